// PeerSyncState: what the sync machine knows of one connected peer.

/// One connected peer, as the machine sees it.
struct PeerSyncState: Sendable {
    /// Batches the peer holds (its summaries) or was sent on this connection.
    var known = BatchVector()
    /// The union of the peer's summaries (full, or deltas on this session).
    var reported = BatchVector()
    /// What was last persisted as acknowledged by the peer on this session
    /// (`reported` and held here, then): the timer persists it again once
    /// it grew, as batches named before they arrived here come.
    var persistedAcknowledged = BatchVector()
    /// Batches sent since its last summary.
    var inFlight = 0
    /// The nodes it reported being connected to.
    var neighbors: Set<NodeID> = []
    /// Batches sent since the last resend round.
    var sentThisRound = BatchVector()
    /// What the peer lacked at the last resend round: the next round
    /// offers again only what it still lacks of these (the backstop push
    /// waits a whole period, so it does not race the tree or a fetch).
    var lackingAtLastResend = BatchVector()
    /// When unreported batches were last offered again.
    var lastResend: UInt64
    /// When this node last sent the peer a state digest to compare.
    var lastStateCheck: UInt64

    // MARK: Broadcast tree

    /// Whether new batches go to the peer as they arrive (a link of the
    /// broadcast tree) or are only announced (a lazy link). Every link
    /// starts lazy, so a new mesh does not flood its first writes: the
    /// link to the node's tree parent becomes eager at the first timer
    /// round (`chooseTreeParent`), a fetch makes its link eager, and a
    /// pushed duplicate prunes a link again.
    var eager = false
    /// Batches this node asked the peer for (`graft`) and when.
    var requested = BatchVector()
    var requestedAt: UInt64 = 0
    /// Of a request that timed out, what never came: asked elsewhere first.
    var unanswered = BatchVector()

    // MARK: Delta summaries

    /// What the peer acknowledged learning of this node's vector, and the
    /// neighbour list it acknowledged (nil: none yet).
    var acknowledgedBase = BatchVector()
    var acknowledgedNeighbors: [NodeID]?
    /// The number of the last content summary sent, and the ones sent and
    /// not acknowledged yet (oldest first, a few at most).
    var sentNumber: UInt64 = 0
    var awaitingAcknowledgement: [SentSummary] = []
    /// What the last content summary sent carried, and when it went.
    var lastAdded: BatchVector?
    var lastNeighbors: [NodeID]?
    var lastSummaryAt: UInt64 = 0
    /// The highest content summary number received from the peer, whether
    /// an acknowledgement of it is owed, and whether any has arrived yet.
    var receivedNumber: UInt64 = 0
    var acknowledgementOwed = false
    var summaryReceived = false

    /// A content summary sent: this node's vector and neighbours then.
    struct SentSummary: Sendable {
        var number: UInt64
        var held: BatchVector
        var neighbors: [NodeID]?
    }

    init(now: UInt64) {
        lastResend = now
        lastStateCheck = now
    }
}
