// PeerSyncState: what the sync machine knows of one connected peer.

/// One connected peer, as the machine sees it.
struct PeerSyncState: Sendable {
    /// Batches the peer holds (its summaries) or was sent on this connection.
    var known = BatchVector()
    /// The union of the peer's summaries.
    var reported = BatchVector()
    /// Batches sent since its last summary.
    var inFlight = 0
    /// The nodes it reported being connected to.
    var neighbors: Set<NodeID> = []
    /// Batches sent since the last resend round.
    var sentThisRound = BatchVector()
    /// The last summary sent to it, and when.
    var lastSummary: SyncMessage?
    var lastSummaryAt: UInt64 = 0
    /// When unreported batches were last offered again.
    var lastResend: UInt64
    /// When this node last sent the peer a state digest to compare.
    var lastStateCheck: UInt64

    init(now: UInt64) {
        lastResend = now
        lastStateCheck = now
    }
}
