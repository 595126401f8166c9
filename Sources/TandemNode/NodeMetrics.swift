import Synchronization
public import TandemCore
public import TandemNet
public import TandemSync

/// A snapshot of what a node has done since it started: sync events,
/// traffic, sessions and transport refusals.
public struct NodeMetrics: Hashable, Sendable {
    /// Batches and messages refused by the sync protocol, by
    /// `SyncRejection.reason` ("bad_signature", "malformed_message", …).
    /// Each is also in the audit log.
    public var rejections: [String: Int] = [:]
    /// Batches received that were already held (redundant receptions).
    public var duplicates = 0
    /// Peers' batches committed here.
    public var appliedBatches = 0
    /// Batches this node made.
    public var localBatches = 0
    /// Batches held until local time is within the drift bound.
    public var heldForClockSkew = 0
    /// Batches not applied yet because their context claims writes that had
    /// not arrived; anti-entropy offers them again.
    public var deferredBatches = 0
    /// Reconciliation record chunks joined.
    public var reconciledChunks = 0
    /// Store operations that failed (the protocol retries what matters).
    public var storeFailures = 0
    /// Sync messages written to peers, and their bytes (plaintext).
    public var messagesSent = 0
    public var bytesSent = 0
    /// Sync messages received from peers, and their bytes (plaintext).
    public var messagesReceived = 0
    public var bytesReceived = 0
    /// Messages not sent: no session with the peer, its session closed for
    /// not reading, or the write failed. The protocol offers lost batches
    /// again.
    public var sendsDropped = 0
    /// Sessions closed because the peer did not read: more than
    /// `SyncNodeConfiguration.maxQueuedBytesPerPeer` piled up for it (each
    /// also in the audit log).
    public var peersNotReading = 0
    /// Peers cut off for passing the refusal limit (`RefusalLedger`), and
    /// connections from them refused while cut off.
    public var peersCutOff = 0
    /// Compaction runs, and the batches they removed from the delta log.
    public var compactionRuns = 0
    public var batchesCompacted = 0
    /// Reconciliation replies stopped at a peer's reply budget (`ReplyBudget`).
    public var reconciliationRepliesCutShort = 0
    /// Origins caught signing two different batches under one sequence
    /// (each also audited with both batches as evidence).
    public var equivocatingOrigins: Set<NodeID> = []
    /// Peers found holding the same batches as this node but different
    /// records (the periodic state check; audited).
    public var divergedPeers: Set<NodeID> = []
    public var cutOffConnectionsRefused = 0
    /// Connections refused or dropped by the transport, by reason.
    public var transportRejections: [TransportError.Reason: Int] = [:]
    /// Sessions opened (an authenticated connection adopted as the peer's
    /// session) and closed.
    public var sessionsOpened = 0
    public var sessionsClosed = 0
    /// Connections accepted by the listener and closed before completing
    /// the handshake to stay within `SyncNodeConfiguration.maxUnauthenticatedConnections`
    /// (the oldest unauthenticated connection is dropped first), and those of
    /// them closed for `maxUnauthenticatedConnectionsPerAddress`.
    public var unauthenticatedDropped = 0
    public var unauthenticatedDroppedPerAddress = 0
    /// Duplicate connections closed because the peer already had a session.
    public var duplicateConnectionsClosed = 0
    /// Outgoing connection attempts, and those that failed to connect.
    public var dials = 0
    public var dialFailures = 0
    /// Parity checks against peers finished (`SyncNode.checkPeerParity`),
    /// records they repaired (on both sides) per peer, and the last report
    /// per peer.
    public var peerParityChecks = 0
    public var peerParityRepaired: [NodeID: UInt64] = [:]
    public var lastPeerParity: [NodeID: PeerParityReport] = [:]
    /// The latest catch-up report per state source: one under way, or the
    /// last one finished (`CatchUpProgress.finished`).
    public var catchUps: [NodeID: CatchUpProgress] = [:]

    public init() {}

    /// All sync rejections.
    public var totalRejections: Int { rejections.values.reduce(0, +) }

    /// All transport refusals.
    public var totalTransportRejections: Int { transportRejections.values.reduce(0, +) }

    mutating func count(_ event: SyncEvent) {
        switch event {
        case .rejected(let rejection, _): rejections[rejection.reason, default: 0] += 1
        case .duplicate: duplicates += 1
        case .heldForClockSkew, .recordsDeferredForClockSkew: heldForClockSkew += 1
        case .deferred: deferredBatches += 1
        case .applied: appliedBatches += 1
        case .committedLocally: localBatches += 1
        case .reconciled: reconciledChunks += 1
        case .storeFailed: storeFailures += 1
        case .refusalLimitReached: break
        case .replyCutShort: reconciliationRepliesCutShort += 1
        case .equivocation(let origin, _, _): equivocatingOrigins.insert(origin)
        case .divergence(let peer, _): divergedPeers.insert(peer)
        case .catchingUp(let progress): catchUps[progress.peer] = progress
        case .peerParityChecked(let report):
            peerParityChecks += 1
            peerParityRepaired[report.peer, default: 0] &+= report.recordsRepaired
            lastPeerParity[report.peer] = report
        }
    }
}

/// The node's live counters, updated on its event loop and read from anywhere.
final class MetricsBox: Sendable {
    private let state = Mutex(NodeMetrics())

    var snapshot: NodeMetrics { state.withLock { $0 } }

    func update(_ body: (inout NodeMetrics) -> Void) {
        state.withLock { body(&$0) }
    }
}
