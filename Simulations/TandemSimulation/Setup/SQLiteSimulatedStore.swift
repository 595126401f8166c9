import Synchronization
public import TandemCore
public import TandemStore

/// A simulated node's `SQLiteStore`, in its own directory of the run's
/// temporary directory, with the simulator's crash model and injected
/// commit failures:
///
/// - `crashed()` closes the database and opens the same directory again:
///   what SQLite committed survives, nothing else (no transaction is open
///   between two driver calls, so there is nothing in flight to lose).
/// - `armCommitFailure()` makes the next commit (any call that writes, as
///   with `InMemoryStore`) throw `StoreError.unavailable` before it reaches
///   SQLite, so nothing of it is committed. Unlike `InMemoryStore`, whose
///   transaction runs first and keeps the failure armed if it fails on its
///   own, the failure is used up by that commit whatever it would have done.
///
/// If the database cannot be opened, every call throws the error opening it
/// gave, so the node fails to start or restart and the run reports it.
public final class SQLiteSimulatedStore: SimulatedStore {
    /// The node's data directory.
    public let directory: String
    let node: NodeID
    private let opened: Result<SQLiteStore, StoreError>
    private let failing = Atomic<Bool>(false)

    /// Opens (creating it if needed) the store of `node` in `directory`.
    public init(directory: String, node: NodeID) {
        self.directory = directory
        self.node = node
        do {
            opened = .success(try SQLiteStore(directory: directory, node: node, now: Simulation.virtualEpoch))
        } catch {
            opened = .failure(error)
        }
    }

    /// The open store, or the error opening it gave.
    private func store() throws(StoreError) -> SQLiteStore {
        try opened.get()
    }

    /// The store, for a call that commits: throws instead if a failure is armed.
    private func committing() throws(StoreError) -> SQLiteStore {
        let store = try store()
        if failing.exchange(false, ordering: .sequentiallyConsistent) {
            throw StoreError.unavailable("simulated crash before commit")
        }
        return store
    }

    public func crashed() -> any SimulatedStore {
        shutDown()
        return SQLiteSimulatedStore(directory: directory, node: node)
    }

    public func armCommitFailure() {
        failing.store(true, ordering: .sequentiallyConsistent)
    }

    public func shutDown() {
        if case .success(let store) = opened { try? store.close() }
    }

    // MARK: Commits

    public func commitLocal(_ change: LocalChange, sign: (_ signingBytes: [UInt8]) -> [UInt8], now: UInt64) throws(StoreError) -> DeltaBatch {
        try committing().commitLocal(change, sign: sign, now: now)
    }

    public func commitRemote(
        _ batch: DeltaBatch, delta: RecordCollection, clock: HLCTimestamp, audit: [AuditEvent], now: UInt64
    ) throws(StoreError) -> RemoteCommitOutcome {
        try committing().commitRemote(batch, delta: delta, clock: clock, audit: audit, now: now)
    }

    public func commitRemote(_ batches: [RemoteBatch], clock: HLCTimestamp, now: UInt64) throws(StoreError) -> [RemoteCommitOutcome] {
        try committing().commitRemote(batches, clock: clock, now: now)
    }

    public func appendAudit(_ events: [AuditEvent]) throws(StoreError) { try committing().appendAudit(events) }

    public func setAcknowledged(_ vector: BatchVector, by peer: NodeID) throws(StoreError) {
        try committing().setAcknowledged(vector, by: peer)
    }

    public func compactLog(acknowledgedBy peers: [NodeID], committedBefore before: UInt64, now: UInt64) throws(StoreError) -> Int {
        try committing().compactLog(acknowledgedBy: peers, committedBefore: before, now: now)
    }

    public func commitReconciliation(
        _ delta: RecordCollection, collection: String, from peer: NodeID, clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> ApplyReport {
        try committing().commitReconciliation(delta, collection: collection, from: peer, clock: clock, now: now)
    }

    public func adoptHeld(_ vector: BatchVector, contexts: [String: CausalContext], from peer: NodeID, now: UInt64) throws(StoreError) {
        try committing().adoptHeld(vector, contexts: contexts, from: peer, now: now)
    }

    // MARK: Reads

    public func summary() throws(StoreError) -> StoreSummary { try store().summary() }
    public func workingSet(_ collection: String, records ids: [String]) throws(StoreError) -> RecordCollection {
        try store().workingSet(collection, records: ids)
    }
    public func record(_ collection: String, _ id: String) throws(StoreError) -> RecordStore? { try store().record(collection, id) }
    public func records(_ collection: String, after: String?, limit: Int) throws(StoreError) -> [(id: String, store: RecordStore)] {
        try store().records(collection, after: after, limit: limit)
    }
    public func collections() throws(StoreError) -> [String] { try store().collections() }
    public func batches(missingFrom vector: BatchVector, limit: Int) throws(StoreError) -> [DeltaBatch] {
        try store().batches(missingFrom: vector, limit: limit)
    }
    public func batches(_ ids: [Dot]) throws(StoreError) -> [DeltaBatch] { try store().batches(ids) }
    public func acknowledged(by peer: NodeID) throws(StoreError) -> BatchVector { try store().acknowledged(by: peer) }
    public func leafDigests(_ collection: String) throws(StoreError) -> [UInt16: (count: UInt64, digest: UInt64)] {
        try store().leafDigests(collection)
    }
    public func records(_ collection: String, inLeaves leaves: ClosedRange<UInt16>) throws(StoreError) -> [String: RecordStore] {
        try store().records(collection, inLeaves: leaves)
    }
    public func auditEvents(after: Int64, limit: Int) throws(StoreError) -> [AuditRecord] { try store().auditEvents(after: after, limit: limit) }
    public func adapterCursor(_ adapter: String) throws(StoreError) -> [UInt8]? { try store().adapterCursor(adapter) }
    public func recordID(adapter: String, collection: String, externalKey: String) throws(StoreError) -> String? {
        try store().recordID(adapter: adapter, collection: collection, externalKey: externalKey)
    }
}
