import TandemCore
import TandemStore

/// The store every simulated node's driver talks to: it passes every call
/// to the node's real store (or a test's broken variant of it) and aims
/// injected commit failures. When `CommitFaults` is armed for a kind of
/// commit, the next commit of that kind is made to fail part-way through
/// the wrapped store's own `failNextCommit()` (for `InMemoryStore`, the
/// transaction does its work and is then thrown away). Other commits pass.
final class AimedFailureStore: SimulatedStore {
    let inner: any SimulatedStore
    let faults: CommitFaults

    init(_ inner: any SimulatedStore, faults: CommitFaults) {
        self.inner = inner
        self.faults = faults
    }

    func crashed() -> any SimulatedStore {
        faults.disarm()
        return AimedFailureStore(inner.crashed(), faults: faults)
    }

    func failNextCommit() { inner.failNextCommit() }

    func shutDown() { inner.shutDown() }

    /// Arms the wrapped store's failure if this commit is the aimed one.
    private func aim(_ kind: CommitKind) {
        if faults.take(kind) { inner.failNextCommit() }
    }

    // MARK: Aimed commits

    func commitLocal(_ change: LocalChange, sign: (_ signingBytes: [UInt8]) -> [UInt8], now: UInt64) throws(StoreError) -> DeltaBatch {
        aim(.localWrite)
        return try inner.commitLocal(change, sign: sign, now: now)
    }

    func commitRemote(
        _ batch: DeltaBatch, delta: RecordCollection, clock: HLCTimestamp, audit: [AuditEvent], now: UInt64
    ) throws(StoreError) -> RemoteCommitOutcome {
        aim(.remoteBatches)
        return try inner.commitRemote(batch, delta: delta, clock: clock, audit: audit, now: now)
    }

    func commitRemote(_ batches: [RemoteBatch], clock: HLCTimestamp, now: UInt64) throws(StoreError) -> [RemoteCommitOutcome] {
        aim(.remoteBatches)
        return try inner.commitRemote(batches, clock: clock, now: now)
    }

    func commitReconciliation(
        _ delta: RecordCollection, collection: String, from peer: NodeID, clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> ApplyReport {
        aim(.reconciliation)
        return try inner.commitReconciliation(delta, collection: collection, from: peer, clock: clock, now: now)
    }

    func adoptHeld(_ vector: BatchVector, contexts: [String: CausalContext], from peer: NodeID, now: UInt64) throws(StoreError) {
        aim(.reconciliation)
        try inner.adoptHeld(vector, contexts: contexts, from: peer, now: now)
    }

    // MARK: Everything else, passed on

    func summary() throws(StoreError) -> StoreSummary { try inner.summary() }
    func workingSet(_ collection: String, records ids: [String]) throws(StoreError) -> RecordCollection {
        try inner.workingSet(collection, records: ids)
    }
    func record(_ collection: String, _ id: String) throws(StoreError) -> RecordStore? { try inner.record(collection, id) }
    func records(_ collection: String, after: String?, limit: Int) throws(StoreError) -> [(id: String, store: RecordStore)] {
        try inner.records(collection, after: after, limit: limit)
    }
    func collections() throws(StoreError) -> [String] { try inner.collections() }
    func batches(missingFrom vector: BatchVector, limit: Int) throws(StoreError) -> [DeltaBatch] {
        try inner.batches(missingFrom: vector, limit: limit)
    }
    func batches(_ ids: [Dot]) throws(StoreError) -> [DeltaBatch] { try inner.batches(ids) }
    func appendAudit(_ events: [AuditEvent]) throws(StoreError) { try inner.appendAudit(events) }
    func setAcknowledged(_ vector: BatchVector, by peer: NodeID) throws(StoreError) { try inner.setAcknowledged(vector, by: peer) }
    func acknowledged(by peer: NodeID) throws(StoreError) -> BatchVector { try inner.acknowledged(by: peer) }
    func compactLog(acknowledgedBy peers: [NodeID], committedBefore before: UInt64, now: UInt64) throws(StoreError) -> Int {
        try inner.compactLog(acknowledgedBy: peers, committedBefore: before, now: now)
    }
    func leafDigests(_ collection: String) throws(StoreError) -> [UInt16: (count: UInt64, digest: UInt64)] {
        try inner.leafDigests(collection)
    }
    func records(_ collection: String, inLeaves leaves: ClosedRange<UInt16>) throws(StoreError) -> [String: RecordStore] {
        try inner.records(collection, inLeaves: leaves)
    }
    func auditEvents(after: Int64, limit: Int) throws(StoreError) -> [AuditRecord] { try inner.auditEvents(after: after, limit: limit) }
    func adapterCursor(_ adapter: String) throws(StoreError) -> [UInt8]? { try inner.adapterCursor(adapter) }
    func recordID(adapter: String, collection: String, externalKey: String) throws(StoreError) -> String? {
        try inner.recordID(adapter: adapter, collection: collection, externalKey: externalKey)
    }
}
