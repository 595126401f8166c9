/// Settings of a node's sync state machine.
public struct SyncConfiguration: Hashable, Sendable {
    /// Origins whose batches are accepted (their signatures checked); a
    /// batch from any other origin is refused. Usually every node of the mesh.
    public var trustedOrigins: Set<NodeID>
    /// Batches per `.batches` message.
    public var maxBatchesPerMessage: Int
    /// Batches sent to one peer and not yet covered by its summary; past
    /// this the peer gets nothing more until it acknowledges (back-pressure:
    /// a slow peer never makes this node buffer without bound).
    public var maxInFlightBatchesPerPeer: Int
    /// The anti-entropy period: a summary goes to every peer this often.
    public var summaryIntervalMillis: UInt64
    /// After this long, batches sent to a peer but still missing from its
    /// summaries are sent again (they were lost with a connection).
    public var resendAfterMillis: UInt64
    /// Limits on decoded payloads.
    public var limits: Limits
    /// The most batches a received `batches` message may carry (honest
    /// nodes send at most `maxBatchesPerMessage`); a larger one is refused
    /// whole, as one refusal, before any batch in it is looked at.
    public var maxBatchesPerReceivedMessage: Int
    /// What digest reconciliation may send one peer: bytes of records per
    /// request, and per second over time (`ReplyBudget`).
    public var replyBudget: ReplyBudget
    /// How often this node sends a state digest to each peer whose summary
    /// shows the same batches as its own, so that replicas holding the same
    /// batches but different state (an origin that signed two different
    /// batches under one sequence) are detected. 0 turns it off.
    public var stateCheckIntervalMillis: UInt64
    /// What the drift hold keeps at most: items, bytes, bytes per origin,
    /// and how far ahead a batch may be dated and still be held.
    public var driftHold: DriftHoldBounds
    /// The most sequence ranges a peer's summary may hold once reduced to
    /// the trusted origins' batches (an honest summary has about one per
    /// origin); a larger one is refused, neither kept nor stored.
    public var maxSummaryRanges: Int
    /// How far out of order one origin's batches may arrive: a batch too far
    /// above its origin's contiguous prefix, or one that would leave too
    /// many runs of it held out of order, is refused (`beyond_reorder_window`)
    /// and offered again by anti-entropy once the gap below it has closed.
    public var reorderWindow: ReorderWindow
    /// The peers this node takes reconciled state from: their `stateDigest`
    /// (whose held vector and contexts it may adopt) and `records` chunks
    /// (which it joins) carry no origin signatures, so only peers trusted
    /// with the whole state belong here. Empty by default: a node then
    /// takes state only as signed batches, and a peer it lacks compacted
    /// batches from cannot bring it up to date (docs/configuration.md says
    /// when to name one). Other peers still exchange signed batches, and
    /// this node still answers their bucket digests (it serves its state;
    /// it does not take theirs).
    public var stateSources: Set<NodeID>
    /// Fields only one node may write, by collection and field name
    /// (`FieldOwnership`): a batch that writes one of them and is signed by
    /// any other node is refused (`notOwner`), and a local change by another
    /// node is refused before it commits. Empty by default.
    public var fieldOwners: [String: [String: NodeID]]
    /// The largest encoded sync message this node sends: the transport's
    /// payload limit (`SyncNode` lowers it to its transport's). A local
    /// change whose batch would not fit in one message is refused before it
    /// is committed, and batches read from the log are grouped into
    /// messages no larger than this.
    public var maxMessageBytes: Int

    public init(
        trustedOrigins: Set<NodeID>, maxBatchesPerMessage: Int = 64, maxInFlightBatchesPerPeer: Int = 4_096,
        summaryIntervalMillis: UInt64 = 1_000, resendAfterMillis: UInt64 = 5_000, limits: Limits = .default,
        maxMessageBytes: Int = 16 << 20
    ) {
        self.trustedOrigins = trustedOrigins
        self.maxBatchesPerMessage = maxBatchesPerMessage
        self.maxInFlightBatchesPerPeer = maxInFlightBatchesPerPeer
        self.summaryIntervalMillis = summaryIntervalMillis
        self.resendAfterMillis = resendAfterMillis
        self.limits = limits
        self.maxMessageBytes = maxMessageBytes
        self.maxSummaryRanges = 16_384
        self.maxBatchesPerReceivedMessage = 1_024
        self.replyBudget = ReplyBudget()
        self.stateCheckIntervalMillis = 30_000
        self.driftHold = DriftHoldBounds()
        self.reorderWindow = ReorderWindow()
        self.stateSources = []
        self.fieldOwners = [:]
    }
}

/// An input to the sync state machine: everything that can happen to a node.
public enum SyncInput: Sendable {
    /// A connection to `peer` completed its handshake.
    case peerConnected(NodeID)
    /// The connection to `peer` ended.
    case peerDisconnected(NodeID)
    /// A message arrived from an authenticated peer.
    case received(SyncMessage, from: NodeID)
    /// This node committed a batch of its own (already durable).
    case localBatchCommitted(DeltaBatch)
    /// The shell committed a batch the machine asked it to apply
    /// (`SyncAction.apply`): `applied` is false if the store already held it.
    case batchCommitted(DeltaBatch, from: NodeID?, applied: Bool)
    /// The shell failed to commit a batch (disk full, I/O error); it is not
    /// held, so anti-entropy will offer it again.
    case batchCommitFailed(DeltaBatch, from: NodeID?)
    /// The store did not apply a batch because its causal context claims
    /// what this node does not admit (`ContextClaims`); nothing changed.
    case batchRefused(DeltaBatch, from: NodeID?, ContextClaimViolation)
    /// The timer the machine asked for fired.
    case timerFired
    /// Reconciliation found this node's state equal to a peer's whose
    /// vector held `vector`; the shell recorded `vector` as held (and the
    /// part of it not in this node's log as compacted).
    case heldAdopted(BatchVector)
    /// The shell removed these batches from the delta log; peers that lack
    /// them will be brought up to date by reconciliation.
    case logCompacted(BatchVector)
}

/// Why a batch or message was refused. Each is counted and audited; none
/// changes state.
public enum SyncRejection: Hashable, Sendable, CustomStringConvertible {
    /// The batch's origin is not a trusted node.
    case untrustedOrigin(batch: Dot)
    /// The origin's signature over the batch does not verify.
    case badSignature(batch: Dot)
    /// The payload is malformed or adds entries under another node's dots.
    case malformedBatch(batch: Dot, BatchError)
    /// The batch's timestamps are beyond the drift bound and the hold (or
    /// its origin's share of it) is full.
    case clockSkewHoldFull(batch: Dot, ClockDrift)
    /// The batch is dated further ahead than the drift hold's horizon.
    case clockSkewBeyondHorizon(batch: Dot, ClockDrift, horizonMillis: UInt64)
    /// The batch's causal context claims dots of this node that it never
    /// made (`ContextClaimViolation.receiverDots`).
    case forgedContext(batch: Dot, ContextClaimViolation)
    /// A summary whose vector, reduced to what matters here, holds more
    /// ranges than `SyncConfiguration.maxSummaryRanges`.
    case oversizedSummary(ranges: Int, limit: Int)
    /// Reconciled state (a state digest's contexts or a records chunk) that
    /// claims what no honest peer could: refused whole.
    case forgedState(collection: String, ForgedState)
    /// A records chunk holding an entry under a dot this node holds with
    /// different content (a dot names exactly one write).
    case forgedRecords(collection: String, dot: Dot)
    /// A records chunk holding a record outside the leaves it covers.
    case recordsOutsideLeaves(collection: String, record: String)
    /// A records chunk whose timestamps lie further ahead than the drift
    /// hold's horizon.
    case recordsBeyondHorizon(collection: String, ClockDrift, horizonMillis: UInt64)
    /// A `batches` message carrying more than
    /// `SyncConfiguration.maxBatchesPerReceivedMessage` batches.
    case tooManyBatches(count: Int, limit: Int)
    /// A validly signed batch that differs from the one this node holds
    /// under the same (origin, sequence): its origin equivocated.
    case equivocation(batch: Dot)
    /// The batch lies outside its origin's reorder window
    /// (`SyncConfiguration.reorderWindow`): too far ahead of what is held of
    /// the origin, or it would leave too many gaps.
    case beyondReorderWindow(batch: Dot, ReorderWindowExcess)
    /// The batch writes a field another node owns
    /// (`SyncConfiguration.fieldOwners`).
    case notOwner(batch: Dot, FieldOwnershipViolation)
    /// A message that could not be decoded.
    case malformedMessage(DecodingError)
    /// A reconciliation records chunk whose sender signature does not verify.
    case badRecordsSignature
    /// A reconciliation message that would change this node's state (a
    /// `stateDigest` or a `records` chunk, named by `message`) from a peer
    /// that is not one of its state sources.
    case untrustedStateSource(message: String)

    /// A short stable name, for metrics labels.
    public var reason: String {
        switch self {
        case .untrustedOrigin: "untrusted_origin"
        case .badSignature: "bad_signature"
        case .malformedBatch: "malformed_batch"
        case .forgedContext: "forged_context"
        case .oversizedSummary: "oversized_summary"
        case .tooManyBatches: "too_many_batches"
        case .equivocation: "equivocation"
        case .forgedState: "forged_state"
        case .forgedRecords: "forged_records"
        case .recordsBeyondHorizon: "records_beyond_horizon"
        case .recordsOutsideLeaves: "records_outside_leaves"
        case .clockSkewHoldFull: "clock_skew_hold_full"
        case .clockSkewBeyondHorizon: "clock_skew_beyond_horizon"
        case .beyondReorderWindow: "beyond_reorder_window"
        case .notOwner: "not_owner"
        case .malformedMessage: "malformed_message"
        case .badRecordsSignature: "bad_records_signature"
        case .untrustedStateSource: "untrusted_state_source"
        }
    }

    public var description: String {
        switch self {
        case .untrustedOrigin(let batch): "batch \(batch): origin is not a trusted node"
        case .badSignature(let batch): "batch \(batch): signature does not verify"
        case .malformedBatch(let batch, let error): "batch \(batch): \(error)"
        case .forgedContext(let batch, let violation): "batch \(batch): \(violation)"
        case .notOwner(let batch, let violation): "batch \(batch): \(violation)"
        case .forgedState(let collection, let forged): "reconciled state of \(collection): \(forged)"
        case .forgedRecords(let collection, let dot):
            "records chunk of \(collection): an entry under dot \(dot) differs from the one held here under it"
        case .recordsOutsideLeaves(let collection, let record):
            "records chunk of \(collection): record \(record.debugDescription) lies outside the leaves it covers"
        case .recordsBeyondHorizon(let collection, let drift, let horizon):
            "records chunk of \(collection): \(drift), beyond the \(horizon) ms horizon"
        case .equivocation(let batch):
            "batch \(batch): validly signed by its origin but different from the batch held under the same sequence"
        case .tooManyBatches(let count, let limit): "batches message: \(count) batches, more than \(limit)"
        case .oversizedSummary(let ranges, let limit):
            "summary: \(ranges) sequence ranges of batches held here, more than \(limit)"
        case .clockSkewHoldFull(let batch, let drift): "batch \(batch): \(drift); the hold is full"
        case .clockSkewBeyondHorizon(let batch, let drift, let horizon):
            "batch \(batch): \(drift), beyond the \(horizon) ms horizon of the drift hold"
        case .beyondReorderWindow(let batch, let excess): "batch \(batch): \(excess); not kept, offered again once the gap closes"
        case .malformedMessage(let error): "message: \(error)"
        case .badRecordsSignature: "records chunk: the sender's signature does not verify"
        case .untrustedStateSource(let message):
            "\(message): the sender is not a state source of this node (reconciled state is taken only from its state sources)"
        }
    }
}

/// What the machine asks its shell to do. The shell (the TCP node or the
/// simulator) carries actions out and feeds the results back as inputs.
public enum SyncAction: Sendable {
    /// Send `message` to `peer`.
    case send(SyncMessage, to: NodeID)
    /// Read from the delta log the batches in `ids` and send them to `peer`
    /// in messages of at most `maxPerMessage` batches. (Reading the log is
    /// I/O, so the shell does it; the machine chose the ids.)
    case sendFromLog(ids: [Dot], to: NodeID, maxPerMessage: Int)
    /// Commit this verified batch (its delta decoded and checked) to the
    /// store, then report `batchCommitted` or `batchCommitFailed`.
    case apply(DeltaBatch, RecordCollection, from: NodeID)
    /// Record that `peer` holds every batch of `vector` (for compaction).
    case persistAcknowledged(BatchVector, by: NodeID)
    /// Count and audit a refusal; nothing else changes.
    case reject(SyncRejection, from: NodeID)
    /// A batch is held until local time is within the drift bound: report it.
    case holdForClockSkew(batch: Dot, ClockDrift, from: NodeID)
    /// A batch arrived that this node already held or was applying: counted
    /// as redundant reception, not applied again.
    /// (The batch itself rides along: the shell compares it with the copy
    /// it holds, since two different batches under one (origin, sequence)
    /// are an equivocation by the origin.)
    case dropDuplicate(DeltaBatch, from: NodeID, held: Bool)
    /// A batch's context claims writes of another node that have not arrived
    /// here yet: it is not applied and not held, so anti-entropy offers it
    /// again, and it is applied once they have (causal delivery). Counted.
    case deferForCausality(batch: Dot, ContextClaimViolation, from: NodeID)
    /// Call back with `timerFired` after this many milliseconds.
    case scheduleTimer(afterMillis: UInt64)
    /// `peer` lacks batches this node has compacted out of its log: send it
    /// a `stateDigest` (reconciliation, step 1).
    case sendStateDigest(to: NodeID)
    /// Read what a `stateDigest` or `bucketDigests` message from `peer`
    /// needs of the store (leaf digests, contexts), run the matching
    /// `ReconciliationStep`, and carry out its actions. Records for a peer
    /// that is not a state source go as replies (`peerIsStateSource`).
    case reconcile(SyncMessage, from: NodeID, peerIsStateSource: Bool)
    /// Read this node's records of `chunk`'s leaves and its context, run
    /// `ReconciliationStep.records` on `theirs` (the chunk's records, already
    /// verified, decoded, and within the drift bound; the clock has taken
    /// their newest timestamp), and carry out its actions.
    case reconcileRecords(RecordsChunk, theirs: RecordCollection, from: NodeID)
    /// A records chunk from a state source is dated beyond the drift bound:
    /// not joined now (digest reconciliation asks again every round).
    case deferRecordsForClockSkew(collection: String, ClockDrift, from: NodeID)
}

/// Why reconciled state was refused as forged (`SyncRejection.forgedState`).
public enum ForgedState: Hashable, Sendable, CustomStringConvertible {
    /// A context claims a counter past `Limits.maxClaimedCounter`.
    case claimBeyondLimit(Dot, limit: UInt64)
    /// A context claims what `ContextClaims` does not admit.
    case context(ContextClaimViolation)

    public var description: String {
        switch self {
        case .claimBeyondLimit(let dot, let limit): "context claims dot \(dot), beyond the highest counter a peer may claim (\(limit))"
        case .context(let violation): "\(violation)"
        }
    }
}
