import Synchronization
public import TandemCore

/// A `ReplicaStore` in memory, with the same transaction semantics as the
/// SQLite store: every commit applies all of its effects or none.
///
/// It serves unit tests and the partition simulator, and models crashes:
/// `restartedAfterCrash()` returns the store a restarted node would find
/// (everything committed, nothing else), and `failNextCommit()` makes the
/// next commit fail part-way, as a crash or an I/O error during a
/// transaction would, leaving nothing of it behind.
public final class InMemoryStore: ReplicaStore {
    private let state: Mutex<MemoryState>
    private let crashNextCommit = Atomic<Bool>(false)

    /// An empty store for `node`.
    public init(node: NodeID) {
        state = Mutex(MemoryState(node: node))
    }

    private init(copying snapshot: MemoryState) {
        state = Mutex(snapshot)
    }

    /// The store a node finds after a crash and restart: exactly what was
    /// committed.
    package func restartedAfterCrash() -> InMemoryStore {
        InMemoryStore(copying: state.withLock { $0 })
    }

    /// Makes the next commit fail after doing its work but before it
    /// commits, as a crash mid-transaction would; that commit leaves nothing
    /// behind and throws `StoreError.unavailable`.
    package func failNextCommit() {
        crashNextCommit.store(true, ordering: .sequentiallyConsistent)
    }

    public func summary() throws(StoreError) -> StoreSummary {
        state.withLock { StoreSummary(node: $0.node, batches: $0.batches, compacted: $0.compacted, clock: $0.clock) }
    }

    public func workingSet(_ collection: String, records ids: [String]) throws(StoreError) -> RecordCollection {
        state.withLock { state in
            let stored = state.collections[collection] ?? MemoryCollection()
            var chosen: [String: RecordStore] = [:]
            // Keyed by the NFC spelling the core holds (`Identifier`), not
            // the caller's: a dictionary would keep the caller's spelling.
            for id in ids.map(Identifier.normalized) { chosen[id] = stored.records[id] }
            return RecordCollection(trusted: chosen, context: stored.context)
        }
    }

    public func commitLocal(
        _ change: LocalChange, sign: (_ signingBytes: [UInt8]) -> [UInt8], now: UInt64
    ) throws(StoreError) -> DeltaBatch {
        try transaction { (state: inout MemoryState) throws(StoreError) -> DeltaBatch in
            var batch = DeltaBatch(
                origin: state.node, sequence: state.batches.nextSequence(for: state.node),
                collection: change.collection, payload: change.payload)
            batch.signature = sign(batch.signingBytes)
            let report = try state.apply(change.delta, to: change.collection)
            state.append(batch, at: now)
            state.clock = max(state.clock, change.clock)
            state.record(change.audit + report.conflictEvents(collection: change.collection, at: now))
            state.record([AuditEvent(at: now, kind: .localCommit, collection: change.collection, node: state.node,
                                     detail: "batch \(batch.sequence): \(change.delta.registerEntryCount) field writes, records \(report.changedRecords.count)")])
            if let cursor = change.cursor { state.cursors[cursor.adapter] = cursor.cursor }
            for mapping in change.keyMappings { state.keyMap[MemoryKey(mapping)] = mapping.record }
            return batch
        }
    }

    public func commitRemote(
        _ batch: DeltaBatch, delta: RecordCollection, clock: HLCTimestamp, audit: [AuditEvent], now: UInt64
    ) throws(StoreError) -> RemoteCommitOutcome {
        try transaction { (state: inout MemoryState) throws(StoreError) -> RemoteCommitOutcome in
            let outcome = try state.applyRemote(batch, delta: delta, audit: audit, now: now)
            if outcome.isApplied { state.clock = max(state.clock, clock) }
            return outcome
        }
    }

    /// All in one transaction, like the SQLite store.
    public func commitRemote(
        _ batches: [RemoteBatch], clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> [RemoteCommitOutcome] {
        try transaction { (state: inout MemoryState) throws(StoreError) -> [RemoteCommitOutcome] in
            var outcomes: [RemoteCommitOutcome] = []
            for remote in batches {
                outcomes.append(try state.applyRemote(remote.batch, delta: remote.delta, audit: [], now: now))
            }
            // A duplicate or a refusal changes nothing, not even the clock.
            if outcomes.contains(where: \.isApplied) { state.clock = max(state.clock, clock) }
            return outcomes
        }
    }

    public func record(_ collection: String, _ id: String) throws(StoreError) -> RecordStore? {
        state.withLock { $0.collections[collection]?.records[id] }
    }

    public func records(_ collection: String, after: String?, limit: Int) throws(StoreError) -> [(id: String, store: RecordStore)] {
        state.withLock { state in
            let records = state.collections[collection]?.records ?? [:]
            let ids = records.keys
                .filter { id in after.map { $0.utf8.lexicographicallyPrecedes(id.utf8) } ?? true }
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                .prefix(max(limit, 0))
            return ids.compactMap { id in records[id].map { (id: id, store: $0) } }
        }
    }

    public func collections() throws(StoreError) -> [String] {
        state.withLock { $0.collections.keys.sorted() }
    }

    public func batches(missingFrom vector: BatchVector, limit: Int) throws(StoreError) -> [DeltaBatch] {
        state.withLock { state in
            state.log.keys
                .filter { !vector.contains(origin: $0.node, sequence: $0.counter) }
                .sorted()
                .prefix(max(limit, 0))
                .compactMap { state.log[$0]?.batch }
        }
    }

    public func batches(_ ids: [Dot]) throws(StoreError) -> [DeltaBatch] {
        state.withLock { state in ids.compactMap { state.log[$0]?.batch } }
    }

    public func appendAudit(_ events: [AuditEvent]) throws(StoreError) {
        try transaction { (state: inout MemoryState) throws(StoreError) in state.record(events) }
    }

    public func setAcknowledged(_ vector: BatchVector, by peer: NodeID) throws(StoreError) {
        try transaction { (state: inout MemoryState) throws(StoreError) in state.acks[peer, default: BatchVector()].formUnion(vector) }
    }

    public func acknowledged(by peer: NodeID) throws(StoreError) -> BatchVector {
        state.withLock { $0.acks[peer] ?? BatchVector() }
    }

    public func compactLog(acknowledgedBy peers: [NodeID], committedBefore before: UInt64, now: UInt64) throws(StoreError) -> Int {
        try transaction { (state: inout MemoryState) throws(StoreError) -> Int in
            let removable = state.log.filter { id, entry in
                entry.committedAt <= before
                    && peers.allSatisfy { state.acks[$0]?.contains(origin: id.node, sequence: id.counter) ?? false }
            }.keys
            for id in removable {
                state.log[id] = nil
                state.compacted.insert(origin: id.node, sequence: id.counter)
            }
            if !removable.isEmpty {
                state.record([AuditEvent(at: now, kind: .compaction, detail: "removed \(removable.count) batches from the delta log")])
            }
            return removable.count
        }
    }

    public func leafDigests(_ collection: String) throws(StoreError) -> [UInt16: (count: UInt64, digest: UInt64)] {
        state.withLock { state in
            var result: [UInt16: (count: UInt64, digest: UInt64)] = [:]
            for (id, store) in state.collections[collection]?.records ?? [:] {
                let leaf = DigestReconciliation.leaf(of: id)
                let current = result[leaf] ?? (0, 0)
                result[leaf] = (current.count &+ 1, current.digest &+ DigestReconciliation.digest(of: id, store))
            }
            return result
        }
    }

    public func records(_ collection: String, inLeaves leaves: ClosedRange<UInt16>) throws(StoreError) -> [String: RecordStore] {
        state.withLock { state in
            (state.collections[collection]?.records ?? [:]).filter { leaves.contains(DigestReconciliation.leaf(of: $0.key)) }
        }
    }

    public func commitReconciliation(
        _ delta: RecordCollection, collection: String, from peer: NodeID, clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> ApplyReport {
        try transaction { (state: inout MemoryState) throws(StoreError) -> ApplyReport in
            let report = try state.apply(delta, to: collection)
            state.clock = max(state.clock, clock)
            state.record(report.conflictEvents(collection: collection, at: now) + [AuditEvent(
                at: now, kind: .reconciliation, collection: collection, node: peer,
                detail: "reconciled with \(peer.hex): records \(report.changedRecords.count)")])
            return report
        }
    }

    public func adoptHeld(_ vector: BatchVector, contexts: [String: CausalContext], from peer: NodeID, now: UInt64) throws(StoreError) {
        try transaction { (state: inout MemoryState) throws(StoreError) in
            for (name, context) in contexts {
                var collection = state.collections[name] ?? MemoryCollection()
                collection.context.formUnion(context)
                state.collections[name] = collection
            }
            var notLogged = vector
            notLogged.subtract(state.batches)
            state.compacted.formUnion(notLogged)
            state.batches.formUnion(vector)
            state.record([AuditEvent(at: now, kind: .reconciliation, node: peer,
                                     detail: "state equal to \(peer.hex)'s: adopted its batch vector \(vector)")])
        }
    }

    public func auditEvents(after: Int64, limit: Int) throws(StoreError) -> [AuditRecord] {
        state.withLock { Array($0.audit.filter { $0.id > after }.prefix(max(limit, 0))) }
    }

    public func adapterCursor(_ adapter: String) throws(StoreError) -> [UInt8]? {
        state.withLock { $0.cursors[adapter] }
    }

    public func recordID(adapter: String, collection: String, externalKey: String) throws(StoreError) -> String? {
        state.withLock { $0.keyMap[MemoryKey(adapter: adapter, collection: collection, externalKey: externalKey)] }
    }

    /// Runs `body` on a copy of the state and installs the copy only if the
    /// body succeeds and no crash was injected: all or nothing.
    func transaction<T>(_ body: (inout MemoryState) throws(StoreError) -> T) throws(StoreError) -> T {
        try state.withLock { (state: inout MemoryState) throws(StoreError) -> T in
            var draft = state
            let result = try body(&draft)
            if crashNextCommit.exchange(false, ordering: .sequentiallyConsistent) {
                throw StoreError.unavailable("simulated crash before commit")
            }
            state = draft
            return result
        }
    }
}
