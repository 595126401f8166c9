import TandemCore

/// A reference model of a `RecordCollection`, written apart from the CRDT:
/// it knows operations and which replica has heard of which, and recomputes
/// every replica's visible state from scratch. It shares no code with the
/// core's join, registers, dot sets or causal contexts; it uses the core's
/// value types (`Value`, `NodeID`, `HLCTimestamp`) as plain data, and
/// `DigestReconciliation.leaf(of:)` only to know which records a
/// reconciliation covers.
///
/// Each operation records what it *observed*: the operations on the same
/// target that were live at its origin when it was made (docs/semantics.md:
/// "a local write replaces every entry the writer has seen"; a remove or a
/// delete "clears the dots the remover has seen"). Observed operations are
/// removed wherever the observing operation arrives. Which targets an
/// operation observes:
/// - a field write: the live writes of that field of that record (and, in
///   one `update`, an earlier write of the same name in the same batch);
/// - an insert: the live inserts (presence) of that record;
/// - an add or a remove of an element: the live adds of that element of
///   that set field of that record;
/// - a delete: every live operation of that record.
/// *Live at its origin*, not merely received there: when deltas arrive out
/// of causal order the two differ (a write observes the live write that
/// overwrote an older one, not the older one), and the core follows the
/// documented rule, which names the entries the writer holds.
///
/// A replica is a set of facts, joined by union:
/// - `received`: operations received whole (as a delta, in a group of
///   deltas, or inside a peer's full state), with what they observed;
/// - `bare`: operations whose entry arrived by digest reconciliation, which
///   carries an entry and its dot but not what that write had observed;
/// - `reported`: operations a reconciling peer reported gone (its context
///   had seen them and it no longer held them).
///
/// From those, with no other state: an operation is *seen* if it is a fact
/// or observed by a received operation; it is *live* if it was received or
/// arrived bare, makes an entry (a write, insert or add) and is not seen
/// gone (observed by a received operation, or reported). The visible state:
/// - a field's value is its live write with the greatest (timestamp, node
///   id); its other live writes are its conflicts;
/// - a set element is present while any live add of it exists;
/// - a record exists while any live operation of it exists.
struct OperationModel {
    /// What one operation did.
    enum Kind: Hashable, CustomStringConvertible {
        case write(record: String, field: String, value: Value, timestamp: HLCTimestamp)
        case insert(record: String)
        case add(record: String, set: String, element: Value)
        case remove(record: String, set: String, element: Value)
        case delete(record: String)

        var record: String {
            switch self {
            case .write(let record, _, _, _), .insert(let record), .add(let record, _, _),
                .remove(let record, _, _), .delete(let record):
                record
            }
        }

        /// Whether the operation leaves an entry (and so takes a dot).
        var makesEntry: Bool {
            switch self {
            case .write, .insert, .add: true
            case .remove, .delete: false
            }
        }

        var description: String {
            switch self {
            case .write(let record, let field, let value, let timestamp): "\(record).\(field)=\(value)@\(timestamp)"
            case .insert(let record): "insert \(record)"
            case .add(let record, let set, let element): "\(record).\(set)+\(element)"
            case .remove(let record, let set, let element): "\(record).\(set)-\(element)"
            case .delete(let record): "delete \(record)"
            }
        }
    }

    /// One operation, as its origin made it.
    struct Operation: CustomStringConvertible {
        var kind: Kind
        var node: NodeID
        /// The counter of its dot: the origin numbers the operations that
        /// make entries 1, 2, 3, …; `nil` for removes and deletes.
        var counter: UInt64?
        /// The operations (indices into `operations`) it overwrote or removed.
        var observed: Set<Int>

        var description: String {
            "\(kind) by \(node)\(counter.map { ":\($0)" } ?? "") observing \(observed.sorted())"
        }
    }

    /// One replica: the facts it has heard, as indices into `operations`.
    struct Replica: Equatable {
        var received: Set<Int> = []
        var bare: Set<Int> = []
        var reported: Set<Int> = []

        /// The union of two replicas' facts: a full-state join.
        mutating func formUnion(_ other: Replica) {
            received.formUnion(other.received)
            bare.formUnion(other.bare)
            reported.formUnion(other.reported)
        }
    }

    /// One losing concurrent write, as `RecordView.conflicts` lists it.
    struct Conflict: Hashable, CustomStringConvertible {
        var node: NodeID
        var counter: UInt64
        var timestamp: HLCTimestamp
        var value: Value

        var description: String { "\(value)@\(timestamp)/\(node):\(counter)" }
    }

    /// What a reader sees of one live record.
    struct RecordState: Equatable, CustomStringConvertible {
        var fields: [String: Value] = [:]
        var conflicts: [String: Set<Conflict>] = [:]
        /// Non-empty set fields, elements sorted.
        var sets: [String: [Value]] = [:]

        var description: String { "fields \(fields) conflicts \(conflicts) sets \(sets)" }
    }

    /// Every operation made so far, in order.
    private(set) var operations: [Operation] = []
    /// The last dot counter each node used.
    private var counters: [NodeID: UInt64] = [:]

    // MARK: Making operations

    /// Records the operations of one mutation made at `origin` by `node`,
    /// adds them to `origin` and returns their indices (the model's delta).
    /// `kinds` holds several writes only for one `update`; they observe an
    /// earlier write of the same field in the batch.
    mutating func perform(_ kinds: [Kind], by node: NodeID, at origin: inout Replica) -> Set<Int> {
        let live = self.live(origin)
        var made: [Int] = []
        for kind in kinds {
            var observed = Set(live.filter { overwrites(kind, operations[$0].kind) })
            observed.formUnion(made.filter { overwrites(kind, operations[$0].kind) })
            var counter: UInt64?
            if kind.makesEntry {
                let next = (counters[node] ?? 0) + 1
                counters[node] = next
                counter = next
            }
            operations.append(Operation(kind: kind, node: node, counter: counter, observed: observed))
            made.append(operations.count - 1)
        }
        origin.received.formUnion(made)
        return Set(made)
    }

    /// Whether an operation of kind `new` observes a live operation `old`
    /// (they have the same target).
    private func overwrites(_ new: Kind, _ old: Kind) -> Bool {
        switch (new, old) {
        case (.write(let record, let field, _, _), .write(let oldRecord, let oldField, _, _)):
            record == oldRecord && field == oldField
        case (.insert(let record), .insert(let oldRecord)):
            record == oldRecord
        case (.add(let record, let set, let element), .add(let oldRecord, let oldSet, let oldElement)),
            (.remove(let record, let set, let element), .add(let oldRecord, let oldSet, let oldElement)):
            record == oldRecord && set == oldSet && element == oldElement
        case (.delete(let record), _):
            record == old.record
        default:
            false
        }
    }

    // MARK: Delivery

    /// Digest reconciliation of the records in `leaves`: `receiver` gets
    /// the entries `sender` holds there, without what they observed, and
    /// learns which of its own entries there `sender` has seen and dropped.
    func reconcile(_ receiver: inout Replica, from sender: Replica, leaves: ClosedRange<UInt16>) {
        func inRange(_ index: Int) -> Bool {
            leaves.contains(DigestReconciliation.leaf(of: operations[index].kind.record))
        }
        let theirs = live(sender).filter(inRange)
        let theirSeen = seen(sender)
        let gone = live(receiver).filter { inRange($0) && theirSeen.contains($0) && !theirs.contains($0) }
        receiver.bare.formUnion(theirs)
        receiver.reported.formUnion(gone)
    }

    // MARK: Reading a replica

    /// The operations `replica` has seen gone.
    private func removed(_ replica: Replica) -> Set<Int> {
        var gone = replica.reported
        for index in replica.received { gone.formUnion(operations[index].observed) }
        return gone
    }

    /// The operations that make entries and that `replica` has seen: the
    /// dots its causal context must hold.
    func seen(_ replica: Replica) -> Set<Int> {
        replica.received.union(replica.bare).union(removed(replica)).filter { operations[$0].kind.makesEntry }
    }

    /// The live operations of `replica`: the entries it must hold.
    func live(_ replica: Replica) -> Set<Int> {
        let gone = removed(replica)
        return replica.received.union(replica.bare).filter { operations[$0].kind.makesEntry && !gone.contains($0) }
    }

    /// The dot of an operation that makes an entry.
    func dot(of index: Int) -> Dot? {
        operations[index].counter.map { Dot(node: operations[index].node, counter: $0) }
    }

    /// What a reader of `replica` sees: the live records by id.
    func visible(_ replica: Replica) -> [String: RecordState] {
        var writes: [String: [String: [Int]]] = [:]
        var records: [String: RecordState] = [:]
        for index in live(replica) {
            let operation = operations[index]
            if records[operation.kind.record] == nil { records[operation.kind.record] = RecordState() }
            switch operation.kind {
            case .write(let record, let field, _, _):
                writes[record, default: [:]][field, default: []].append(index)
            case .add(let record, let set, let element):
                var elements = records[record]?.sets[set] ?? []
                if !elements.contains(element) { elements.append(element) }
                records[record]?.sets[set] = elements.sorted()
            case .insert, .remove, .delete:
                break
            }
        }
        for (record, fields) in writes {
            for (field, candidates) in fields {
                guard let best = candidates.max(by: { stamp(of: $0) < stamp(of: $1) }) else { continue }
                if case .write(_, _, let value, _) = operations[best].kind { records[record]?.fields[field] = value }
                let losers = Set(candidates.filter { $0 != best }.compactMap(conflict(of:)))
                if !losers.isEmpty { records[record]?.conflicts[field] = losers }
            }
        }
        return records
    }

    /// The order of a write: its timestamp, then its node id.
    private func stamp(of index: Int) -> WriteOrder {
        let operation = operations[index]
        if case .write(_, _, _, let timestamp) = operation.kind {
            return WriteOrder(timestamp: timestamp.rawValue, node: operation.node.bytes)
        }
        return WriteOrder(timestamp: 0, node: [])
    }

    private func conflict(of index: Int) -> Conflict? {
        let operation = operations[index]
        guard case .write(_, _, let value, let timestamp) = operation.kind, let counter = operation.counter else { return nil }
        return Conflict(node: operation.node, counter: counter, timestamp: timestamp, value: value)
    }

    /// (timestamp, node id bytes) in lexicographic order: spelled out here
    /// rather than taken from the core's `WriteStamp`.
    private struct WriteOrder: Comparable {
        var timestamp: UInt64
        var node: [UInt8]

        static func < (lhs: WriteOrder, rhs: WriteOrder) -> Bool {
            if lhs.timestamp != rhs.timestamp { return lhs.timestamp < rhs.timestamp }
            return lhs.node.lexicographicallyPrecedes(rhs.node)
        }
    }
}
