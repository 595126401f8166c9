// PeerParity: the outcome and state of a parity check of this node's records against one peer's.

/// One collection's record count and root digest (`DigestReconciliation`),
/// as a parity check exchanges them: no causal context, nothing to adopt.
public struct CollectionRoot: Hashable, Sendable {
    public var collection: String
    public var count: UInt64
    public var digest: UInt64

    public init(collection: String, count: UInt64, digest: UInt64) {
        self.collection = collection
        self.count = count
        self.digest = digest
    }

    /// The collections whose count or digest differs between `ours` and
    /// `theirs` (a collection missing on one side counts as empty there),
    /// sorted by name.
    public static func differing(_ ours: [CollectionRoot], _ theirs: [CollectionRoot]) -> [String] {
        var mine: [String: CollectionRoot] = [:]
        for root in ours { mine[root.collection] = root }
        var other: [String: CollectionRoot] = [:]
        for root in theirs { other[root.collection] = root }
        return Set(mine.keys).union(other.keys).sorted().filter { name in
            let a = mine[name] ?? CollectionRoot(collection: name, count: 0, digest: 0)
            let b = other[name] ?? CollectionRoot(collection: name, count: 0, digest: 0)
            return a.count != b.count || a.digest != b.digest
        }
    }
}

/// How a parity check against one peer ended (docs/protocol.md, "Parity
/// check against a peer").
public enum PeerParityOutcome: Hashable, Sendable {
    /// At the same batch vector, every collection's records were equal.
    case inSync
    /// Records differed at the same batch vector; they were exchanged and
    /// joined, and a later comparison found the two sides equal.
    case repaired
    /// Records differ at the same batch vector and were not made equal:
    /// `repairable` is false when neither side takes the other's records
    /// (neither is the other's state source), true when the exchange did
    /// not make them equal before the deadline.
    case differencesRemain(collections: [String], repairable: Bool)
    /// The peer is not connected, or disconnected during the check.
    case unreachable
    /// No comparison finished before the deadline: the peer did not answer,
    /// or the two sides never held the same batches when it compared
    /// (writes kept arriving).
    case timedOut

    /// A one-word label for logs and metrics: `in_sync`, `repaired`,
    /// `differences`, `unreachable`, `timed_out`.
    public var label: String {
        switch self {
        case .inSync: "in_sync"
        case .repaired: "repaired"
        case .differencesRemain: "differences"
        case .unreachable: "unreachable"
        case .timedOut: "timed_out"
        }
    }
}

/// What the sync machine reports when a parity check ends
/// (`SyncAction.parityCheckFinished`); the driver adds what it counted.
public struct PeerParityResult: Hashable, Sendable {
    public var peer: NodeID
    /// The check's number on this node (1, 2, 3, …).
    public var check: UInt64
    public var outcome: PeerParityOutcome
    /// Wall milliseconds when the check started and ended.
    public var startedAt: UInt64
    public var finishedAt: UInt64
    /// Comparisons made (requests answered at the same batch vector).
    public var comparisons: Int
    /// Records the peer reported joining from this node during the check.
    public var repairedOnPeer: UInt64
}

/// A parity check against a peer, on the machine's side.
struct PeerParityCheck: Sendable {
    var check: UInt64
    var startedAt: UInt64
    var deadline: UInt64
    /// A request is out and its reply has not come.
    var awaitingReply = false
    var lastRequestAt: UInt64 = 0
    /// The batch vector and roots of the outstanding request.
    var requestHeld = BatchVector()
    var requestRoots: [CollectionRoot] = []
    var comparisons = 0
    var sawDifference = false
    var differing: [String] = []
    var repairable = false
    var repairedOnPeer: UInt64 = 0
}

/// A finished parity check against one peer, as a node reports it
/// (`SyncNode.checkPeerParity`): the outcome and what the check cost.
public struct PeerParityReport: Hashable, Sendable {
    public var peer: NodeID
    public var outcome: PeerParityOutcome
    /// This node's records compared (all collections, at the last request).
    public var recordsCompared: UInt64
    /// Records whose state changed on this node by joining the peer's
    /// during the check.
    public var repairedHere: UInt64
    /// Records the peer reported changed by joining this node's.
    public var repairedOnPeer: UInt64
    /// Bytes of the check's messages both ways (parity requests and
    /// replies, bucket digests and records chunks exchanged with the peer
    /// while it ran), as encoded sync messages.
    public var bytesExchanged: Int
    public var durationMillis: UInt64
    /// Comparisons made at the same batch vector.
    public var comparisons: Int

    /// Records repaired on both sides.
    public var recordsRepaired: UInt64 { repairedHere &+ repairedOnPeer }

    public init(
        peer: NodeID, outcome: PeerParityOutcome, recordsCompared: UInt64 = 0, repairedHere: UInt64 = 0,
        repairedOnPeer: UInt64 = 0, bytesExchanged: Int = 0, durationMillis: UInt64 = 0, comparisons: Int = 0
    ) {
        self.peer = peer
        self.outcome = outcome
        self.recordsCompared = recordsCompared
        self.repairedHere = repairedHere
        self.repairedOnPeer = repairedOnPeer
        self.bytesExchanged = bytesExchanged
        self.durationMillis = durationMillis
        self.comparisons = comparisons
    }
}
