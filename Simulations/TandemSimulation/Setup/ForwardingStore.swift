public import TandemCore
public import TandemStore

/// A store that passes every call to another: the base of the store that
/// aims injected failures (`AimedFailureStore`) and of the tests' broken
/// variants, each of which overrides the calls it changes.
///
/// `@unchecked Sendable`: subclasses keep their mutable state behind a
/// `Mutex`; the base holds only an immutable reference.
open class ForwardingStore: SimulatedStore, @unchecked Sendable {
    public let inner: any SimulatedStore

    public init(_ inner: any SimulatedStore) { self.inner = inner }

    /// The same variant around the crashed inner store.
    open func wrapping(_ crashed: any SimulatedStore) -> any SimulatedStore { ForwardingStore(crashed) }

    open func crashed() -> any SimulatedStore { wrapping(inner.crashed()) }
    open func armCommitFailure() { inner.armCommitFailure() }
    open func shutDown() { inner.shutDown() }

    open func summary() throws(StoreError) -> StoreSummary { try inner.summary() }
    open func workingSet(_ collection: String, records ids: [String]) throws(StoreError) -> RecordCollection {
        try inner.workingSet(collection, records: ids)
    }
    open func commitLocal(_ change: LocalChange, sign: (_ signingBytes: [UInt8]) -> [UInt8], now: UInt64) throws(StoreError) -> DeltaBatch {
        try inner.commitLocal(change, sign: sign, now: now)
    }
    open func commitRemote(
        _ batch: DeltaBatch, delta: RecordCollection, clock: HLCTimestamp, audit: [AuditEvent], now: UInt64
    ) throws(StoreError) -> RemoteCommitOutcome {
        try inner.commitRemote(batch, delta: delta, clock: clock, audit: audit, now: now)
    }
    /// One by one through `commitRemote(_:delta:clock:audit:now:)`, as the
    /// protocol's default does, so a variant that overrides the single
    /// commit sees every batch (and one may override this instead).
    open func commitRemote(_ batches: [RemoteBatch], clock: HLCTimestamp, now: UInt64) throws(StoreError) -> [RemoteCommitOutcome] {
        var outcomes: [RemoteCommitOutcome] = []
        for remote in batches {
            outcomes.append(try commitRemote(remote.batch, delta: remote.delta, clock: clock, audit: [], now: now))
        }
        return outcomes
    }
    open func record(_ collection: String, _ id: String) throws(StoreError) -> RecordStore? { try inner.record(collection, id) }
    open func records(_ collection: String, after: String?, limit: Int) throws(StoreError) -> [(id: String, store: RecordStore)] {
        try inner.records(collection, after: after, limit: limit)
    }
    open func collections() throws(StoreError) -> [String] { try inner.collections() }
    open func batches(missingFrom vector: BatchVector, limit: Int) throws(StoreError) -> [DeltaBatch] {
        try inner.batches(missingFrom: vector, limit: limit)
    }
    open func batches(_ ids: [Dot]) throws(StoreError) -> [DeltaBatch] { try inner.batches(ids) }
    open func appendAudit(_ events: [AuditEvent]) throws(StoreError) { try inner.appendAudit(events) }
    open func setAcknowledged(_ vector: BatchVector, by peer: NodeID) throws(StoreError) { try inner.setAcknowledged(vector, by: peer) }
    open func acknowledged(by peer: NodeID) throws(StoreError) -> BatchVector { try inner.acknowledged(by: peer) }
    open func compactLog(acknowledgedBy peers: [NodeID], committedBefore before: UInt64, now: UInt64) throws(StoreError) -> Int {
        try inner.compactLog(acknowledgedBy: peers, committedBefore: before, now: now)
    }
    open func leafDigests(_ collection: String) throws(StoreError) -> [UInt16: (count: UInt64, digest: UInt64)] {
        try inner.leafDigests(collection)
    }
    open func records(_ collection: String, inLeaves leaves: ClosedRange<UInt16>) throws(StoreError) -> [String: RecordStore] {
        try inner.records(collection, inLeaves: leaves)
    }
    open func commitReconciliation(
        _ delta: RecordCollection, collection: String, from peer: NodeID, clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> ApplyReport {
        try inner.commitReconciliation(delta, collection: collection, from: peer, clock: clock, now: now)
    }
    open func adoptHeld(_ vector: BatchVector, contexts: [String: CausalContext], from peer: NodeID, now: UInt64) throws(StoreError) {
        try inner.adoptHeld(vector, contexts: contexts, from: peer, now: now)
    }
    open func auditEvents(after: Int64, limit: Int) throws(StoreError) -> [AuditRecord] { try inner.auditEvents(after: after, limit: limit) }
    open func adapterCursor(_ adapter: String) throws(StoreError) -> [UInt8]? { try inner.adapterCursor(adapter) }
    open func recordID(adapter: String, collection: String, externalKey: String) throws(StoreError) -> String? {
        try inner.recordID(adapter: adapter, collection: collection, externalKey: externalKey)
    }
}
