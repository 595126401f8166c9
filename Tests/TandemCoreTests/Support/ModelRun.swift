import TandemCore
import Testing

/// Runs a `ModelScenario` on real `RecordCollection` replicas and on the
/// `OperationModel` side by side, and after every step requires the
/// replica that changed to show what the model recomputes: the live
/// records, each field's winner and conflicts, each set's elements, and
/// (in its causal context) exactly the dots the model says it has seen.
struct ModelRun {
    private(set) var replicas: [RecordCollection]
    private(set) var model = OperationModel()
    private(set) var modelReplicas: [OperationModel.Replica]
    /// Every delta made: the real one and the model's operations.
    private var deltas: [(real: RecordCollection, model: Set<Int>)] = []
    /// Wall time in ms, and each replica's last timestamp (raw HLC).
    private var now: UInt64 = 1_000
    private var lastStamp: [UInt64]
    /// How many scoped deltas were joined, and how many changed the receiver.
    private(set) var reconciliations = 0
    private(set) var changingReconciliations = 0

    init(replicas count: Int) {
        replicas = Array(repeating: RecordCollection(), count: count)
        modelReplicas = Array(repeating: OperationModel.Replica(), count: count)
        lastStamp = Array(repeating: 0, count: count)
    }

    /// Applies every step of `scenario`, checking after each, then
    /// delivers every delta to every replica and requires that all
    /// replicas agree with the model and with each other.
    mutating func run(_ scenario: ModelScenario) throws {
        for (index, step) in scenario.steps.enumerated() {
            let changed = try apply(step)
            try check(changed, after: "step \(index) \(step)")
        }
        let all = deltas.reduce(RecordCollection()) { $0.joined($1.real) }
        let allOperations = deltas.reduce(Set<Int>()) { $0.union($1.model) }
        for replica in replicas.indices {
            replicas[replica].join(all)
            modelReplicas[replica].received.formUnion(allOperations)
            try check(replica, after: "final delivery of every delta")
            try #require(replicas[replica] == replicas[0], "replica \(replica) did not converge with replica 0")
        }
    }

    /// Applies one step; returns the replica it changed.
    private mutating func apply(_ step: ModelStep) throws -> Int {
        let count = replicas.count
        switch step {
        case .mutate(let raw, let operation, let advance):
            let replica = raw % count
            let node = ModelScenario.nodes[replica]
            now += advance
            // An HLC's promise: strictly increasing per node; equal across nodes often.
            let stamp = max(now << 16, lastStamp[replica] + 1)
            lastStamp[replica] = stamp
            let timestamp = HLCTimestamp(rawValue: stamp)
            let real = replicas[replica].perform(operation, by: node, at: timestamp)
            let made = model.perform(Self.kinds(of: operation, at: timestamp), by: node, at: &modelReplicas[replica])
            deltas.append((real, made))
            return replica
        case .deliver(let picks, let raw):
            let replica = raw % count
            guard !deltas.isEmpty else { return replica }
            let group = picks.map { deltas[$0 % deltas.count] }
            replicas[replica].join(group.reduce(RecordCollection()) { $0.joined($1.real) })
            modelReplicas[replica].received.formUnion(group.reduce(Set<Int>()) { $0.union($1.model) })
            return replica
        case .sync(let from, let to):
            replicas[to % count].join(replicas[from % count])
            modelReplicas[to % count].formUnion(modelReplicas[from % count])
            return to % count
        case .reconcile(let from, let to, let bounds, let chunked):
            try reconcile(from: from % count, to: to % count, leaves: ModelScenario.leaves(bounds), chunked: chunked)
            return to % count
        }
    }

    /// Digest reconciliation as the sync driver does it: the sender's
    /// records of `leaves`, in chunks each covering whole leaves, each
    /// joined into the receiver as `DigestReconciliation.scopedDelta`.
    /// Each scoped delta is checked directly as well: it is below the
    /// sender's state, it leaves the receiver's other records alone, and it
    /// makes the receiver's records in its leaves those of the full join.
    private mutating func reconcile(from sender: Int, to receiver: Int, leaves: ClosedRange<UInt16>, chunked: Bool) throws {
        let senderState = replicas[sender]
        let theirRecords = senderState.records.filter { leaves.contains(DigestReconciliation.leaf(of: $0.key)) }
        let parts = chunked
            ? DigestReconciliation.chunks(of: theirRecords, covering: leaves, maxRecords: 1)
            : [(leaves: leaves, records: theirRecords)]
        for part in parts {
            let before = replicas[receiver]
            let ours = before.records.filter { part.leaves.contains(DigestReconciliation.leaf(of: $0.key)) }
            let theirs = try RecordCollection(records: part.records, context: senderState.context)
            let delta = DigestReconciliation.scopedDelta(theirs: theirs, ours: ours)
            try #require(senderState.joined(delta) == senderState, "a scoped delta is not below the sender's state")
            replicas[receiver].join(delta)
            model.reconcile(&modelReplicas[receiver], from: modelReplicas[sender], leaves: part.leaves)
            reconciliations += 1
            if replicas[receiver] != before { changingReconciliations += 1 }
            // Direct: records in the leaves are the full join's; others untouched.
            let full = before.joined(senderState)
            for id in Set(full.records.keys).union(before.records.keys) {
                let expected = part.leaves.contains(DigestReconciliation.leaf(of: id)) ? full.records[id] : before.records[id]
                try #require(replicas[receiver].records[id] == expected, "scoped delta of \(part.leaves) gave record \(id) wrongly")
            }
        }
    }

    /// The model's operations for one `RecordOperation`.
    static func kinds(of operation: RecordOperation, at timestamp: HLCTimestamp) -> [OperationModel.Kind] {
        switch operation {
        case .set(let field, let value, let record):
            [.write(record: record, field: field, value: value, timestamp: timestamp)]
        case .update(let record, let fields):
            fields.map { .write(record: record, field: $0.0, value: $0.1, timestamp: timestamp) }
        case .insert(let record): [.insert(record: record)]
        case .delete(let record): [.delete(record: record)]
        case .add(let element, let set, let record): [.add(record: record, set: set, element: element)]
        case .remove(let element, let set, let record): [.remove(record: record, set: set, element: element)]
        }
    }

    /// What a reader of `collection` sees, in the model's terms.
    static func visible(_ collection: RecordCollection) -> [String: OperationModel.RecordState] {
        var result: [String: OperationModel.RecordState] = [:]
        for id in collection.recordIDs {
            guard let view = collection.record(id) else { continue }
            result[id] = OperationModel.RecordState(
                fields: view.fields,
                conflicts: view.conflicts.mapValues { entries in
                    Set(entries.map {
                        OperationModel.Conflict(node: $0.dot.node, counter: $0.dot.counter, timestamp: $0.timestamp, value: $0.value)
                    })
                },
                sets: view.sets)
        }
        return result
    }

    /// Requires replica `index` to show the model's visible state and to
    /// have seen exactly the dots the model says.
    func check(_ index: Int, after what: String) throws {
        let expected = model.visible(modelReplicas[index])
        let actual = Self.visible(replicas[index])
        try #require(actual == expected, """
            replica \(index) after \(what):
            actual   \(actual.sorted { $0.key < $1.key })
            expected \(expected.sorted { $0.key < $1.key })
            operations \(model.operations.enumerated().map { "\($0.offset): \($0.element)" })
            """)
        let seen = model.seen(modelReplicas[index])
        for operation in model.operations.indices {
            guard let dot = model.dot(of: operation) else { continue }
            try #require(replicas[index].context.contains(dot) == seen.contains(operation), """
                replica \(index) after \(what): context \(seen.contains(operation) ? "lacks" : "holds") \
                operation \(operation) (\(model.operations[operation]))
                """)
        }
    }
}
