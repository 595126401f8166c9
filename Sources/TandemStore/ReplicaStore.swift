public import TandemCore

/// What a store holds about the node as a whole, read at open.
public struct StoreSummary: Hashable, Sendable {
    /// The node the store belongs to.
    public var node: NodeID
    /// The batches held (applied or made here), per origin.
    public var batches: BatchVector
    /// The batches removed from the delta log by compaction, per origin.
    public var compacted: BatchVector
    /// The node's hybrid clock high-water mark: a restarted node resumes its
    /// clock from here, so it never issues a timestamp twice.
    public var clock: HLCTimestamp

    /// The summary a store read (for the stores).
    package init(node: NodeID, batches: BatchVector, compacted: BatchVector, clock: HLCTimestamp) {
        self.node = node
        self.batches = batches
        self.compacted = compacted
        self.clock = clock
    }
}

/// A verified batch from a peer and its decoded delta, for `commitRemote`.
public struct RemoteBatch: Sendable {
    public var batch: DeltaBatch
    public var delta: RecordCollection

    public init(batch: DeltaBatch, delta: RecordCollection) {
        self.batch = batch
        self.delta = delta
    }
}

/// What became of a remote batch handed to `commitRemote`.
public enum RemoteCommitOutcome: Hashable, Sendable {
    /// Applied: its effect, the batch vector advance, the log entry and the
    /// audit events committed together.
    case applied(ApplyReport)
    /// The batch was already held; nothing changed (a replay is applied once).
    case duplicate
    /// The batch's causal context claims what this node does not admit
    /// (`ContextClaims`): nothing changed and the batch is not held.
    case refused(ContextClaimViolation)

    /// Whether the batch's effect was committed.
    public var isApplied: Bool {
        if case .applied = self { return true }
        return false
    }
}

/// A change to an adapter's capture cursor, committed with the change it
/// acknowledges.
public struct AdapterCursorUpdate: Hashable, Sendable {
    public var adapter: String
    public var cursor: [UInt8]

    public init(adapter: String, cursor: [UInt8]) {
        self.adapter = adapter
        self.cursor = cursor
    }
}

/// An external primary key and the record it maps to.
public struct ExternalKeyMapping: Hashable, Sendable {
    public var adapter: String
    public var collection: String
    public var externalKey: String
    public var record: String

    public init(adapter: String, collection: String, externalKey: String, record: String) {
        self.adapter = adapter
        self.collection = collection
        self.externalKey = externalKey
        self.record = record
    }
}

/// A change this node made, with everything that commits with it.
public struct LocalChange: Sendable {
    /// The collection changed.
    public var collection: String
    /// The delta the mutators returned.
    public let delta: RecordCollection
    /// `delta`'s canonical encoding: the batch payload that will be signed,
    /// logged and sent (encoded once, here).
    public let payload: [UInt8]
    /// The node's clock after the change (its new high-water mark).
    public var clock: HLCTimestamp
    /// Audit events to commit with the change.
    public var audit: [AuditEvent]
    /// The adapter cursor the change acknowledges, if it came from an adapter.
    public var cursor: AdapterCursorUpdate?
    /// External keys first seen with this change.
    public var keyMappings: [ExternalKeyMapping]

    public init(
        collection: String, delta: RecordCollection, clock: HLCTimestamp,
        audit: [AuditEvent] = [], cursor: AdapterCursorUpdate? = nil, keyMappings: [ExternalKeyMapping] = []
    ) {
        self.collection = collection
        self.delta = delta
        self.payload = delta.encoded()
        self.clock = clock
        self.audit = audit
        self.cursor = cursor
        self.keyMappings = keyMappings
    }
}

/// A node's durable state: CRDT state per collection (records, field
/// registers, set dots, causal context), the signed delta log by origin and
/// sequence, the batch vector, each peer's acknowledged batch vector, the
/// audit log, adapter cursors and the map between external keys and record
/// ids.
///
/// Guarantees every implementation keeps:
/// - Each `commit…` is one transaction: the state change, the delta-log
///   entry, the batch-vector advance, the clock high-water mark, the audit
///   events and (for local commits) the adapter cursor are all durable, or
///   none is. A caller acknowledges a change only after `commit…` returns.
/// - A batch already held is never applied twice.
/// - Reads see only committed state.
/// - The state is the join of the deltas committed (as in
///   `RecordCollection.join`), not a full copy in memory: implementations
///   load only the records a delta touches.
///
/// Two implementations exist: `SQLiteStore` (embedded, durable) and
/// `InMemoryStore` (tests and the simulator; it can model a crash). A server
/// backend (PostgreSQL, or a distributed SQL engine speaking its wire
/// protocol) implements the same protocol; `DeltaApplier` holds the join
/// logic every backend shares.
public protocol ReplicaStore: AnyObject, Sendable {
    /// The node-wide state.
    func summary() throws(StoreError) -> StoreSummary

    /// The records with the given ids (those that exist) and the whole
    /// causal context of `collection`: what a node needs to run delta
    /// mutators on those records.
    func workingSet(_ collection: String, records ids: [String]) throws(StoreError) -> RecordCollection

    /// Commits a delta this node made as its next batch, signed by `sign`
    /// (called with the batch's `signingBytes`), and returns the batch.
    func commitLocal(
        _ change: LocalChange, sign: (_ signingBytes: [UInt8]) -> [UInt8], now: UInt64
    ) throws(StoreError) -> DeltaBatch

    /// Commits a verified batch from a peer (its `delta` already decoded and
    /// checked), unless it is already held or its causal context claims
    /// what this node does not admit (`ContextClaims`, checked against the
    /// stored context inside the transaction).
    func commitRemote(
        _ batch: DeltaBatch, delta: RecordCollection, clock: HLCTimestamp,
        audit: [AuditEvent], now: UInt64
    ) throws(StoreError) -> RemoteCommitOutcome

    /// Commits verified batches from peers, in order, each as
    /// `commitRemote(_:delta:clock:audit:now:)` would (a batch already held,
    /// or earlier in the list, is a duplicate). A backend may commit them in
    /// one transaction (all or none; SQLite does, so a peer catching up costs
    /// one sync to disk per message, not per batch); the default commits them
    /// one by one. Each batch's effect, log entry and vector advance are
    /// always committed together.
    func commitRemote(
        _ batches: [RemoteBatch], clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> [RemoteCommitOutcome]

    /// One record, or `nil` if it does not exist.
    func record(_ collection: String, _ id: String) throws(StoreError) -> RecordStore?

    /// Up to `limit` records of `collection` with ids after `after`
    /// (by UTF-8 bytes), in that order.
    func records(_ collection: String, after: String?, limit: Int) throws(StoreError) -> [(id: String, store: RecordStore)]

    /// The names of the collections held.
    func collections() throws(StoreError) -> [String]

    /// Batches held in the delta log that `vector` lacks, in (origin,
    /// sequence) order, at most `limit`.
    func batches(missingFrom vector: BatchVector, limit: Int) throws(StoreError) -> [DeltaBatch]

    /// The batches with the given ids that the delta log holds, in the
    /// order asked (ids not in the log are skipped).
    func batches(_ ids: [Dot]) throws(StoreError) -> [DeltaBatch]

    /// Appends audit events on their own (refusals, clock skew holds).
    func appendAudit(_ events: [AuditEvent]) throws(StoreError)

    /// Records that `peer` holds every batch in `vector`.
    func setAcknowledged(_ vector: BatchVector, by peer: NodeID) throws(StoreError)

    /// What `peer` has acknowledged.
    func acknowledged(by peer: NodeID) throws(StoreError) -> BatchVector

    /// Removes from the delta log every batch that every peer in `peers`
    /// has acknowledged and that was committed at or before `before`
    /// (wall milliseconds). Returns how many were removed.
    func compactLog(acknowledgedBy peers: [NodeID], committedBefore before: UInt64, now: UInt64) throws(StoreError) -> Int

    /// Count and digest of the records in each leaf bucket of `collection`
    /// (`DigestReconciliation`); leaves with no records are absent.
    func leafDigests(_ collection: String) throws(StoreError) -> [UInt16: (count: UInt64, digest: UInt64)]

    /// The records of `collection` whose leaf bucket is in `leaves`.
    func records(_ collection: String, inLeaves leaves: ClosedRange<UInt16>) throws(StoreError) -> [String: RecordStore]

    /// Joins a reconciliation delta received from `peer` (state, audit and
    /// the clock high-water mark `clock`, which covers the delta's newest
    /// timestamp, in one transaction; no delta-log entry, since it is not a
    /// batch).
    func commitReconciliation(
        _ delta: RecordCollection, collection: String, from peer: NodeID, clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> ApplyReport

    /// Records `vector` as held after reconciliation showed this node's
    /// records equal to a peer's that held it, and joins the peer's causal
    /// contexts (with equal records, that is the join of the two states);
    /// the batches of `vector` not in this node's log are recorded as
    /// compacted. One transaction.
    func adoptHeld(_ vector: BatchVector, contexts: [String: CausalContext], from peer: NodeID, now: UInt64) throws(StoreError)

    /// Audit events after position `after`, at most `limit`.
    func auditEvents(after: Int64, limit: Int) throws(StoreError) -> [AuditRecord]

    /// The last committed cursor of `adapter`.
    func adapterCursor(_ adapter: String) throws(StoreError) -> [UInt8]?

    /// The record id mapped to an external primary key.
    func recordID(adapter: String, collection: String, externalKey: String) throws(StoreError) -> String?
}

extension ReplicaStore {
    /// Commits `batches` one by one, each in its own transaction.
    public func commitRemote(
        _ batches: [RemoteBatch], clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> [RemoteCommitOutcome] {
        var outcomes: [RemoteCommitOutcome] = []
        for remote in batches {
            outcomes.append(try commitRemote(remote.batch, delta: remote.delta, clock: clock, audit: [], now: now))
        }
        return outcomes
    }
}
