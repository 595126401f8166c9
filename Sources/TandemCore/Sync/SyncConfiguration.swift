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
