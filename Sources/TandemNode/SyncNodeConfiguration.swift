import Foundation
public import TandemCore
public import TandemCrypto
public import TandemNet
public import TandemStore
public import TandemSync

/// Everything a `SyncNode` needs besides its store.
///
/// Trust has three parts. ``allowList`` is who may hold a connection with
/// this node (checked by the transport's handshake); ``SyncConfiguration/trustedOrigins``
/// in ``sync`` is whose batches are accepted (checked on every batch, by
/// signature, however many hops it took); ``SyncConfiguration/stateSources``
/// is whose reconciled state (digests, records: vouched for by that peer,
/// not signed by the origins) this node takes, by default none. By default the first two are every node of the mesh: the peers
/// dialled plus ``members`` (nodes reached only through others), and the
/// trusted origins include this node.
///
/// ```swift
/// let config = SyncNodeConfiguration(
///     identity: keys, port: 7070,
///     peers: [PeerAddress(node: hub, host: "10.0.0.2", port: 7070)],
///     members: [farSide])
/// ```
public struct SyncNodeConfiguration: Sendable {
    /// This node's signing key; its public key is the node id.
    public var identity: NodeKeyPair
    /// The address to listen on.
    public var host: String
    /// The port to listen on; 0 picks a free one (see `SyncNode.boundPort`).
    public var port: Int
    /// The peers this node dials (and redials) itself.
    public var peers: [PeerAddress]
    /// Nodes that may connect to this node.
    public var allowList: Set<NodeID>
    /// The sync protocol's settings (trusted origins, batch and in-flight
    /// bounds, summary interval).
    public var sync: SyncConfiguration
    /// The transport's limits and timers. Its `events` hooks are kept and
    /// called after the node's own counting.
    public var transport: TransportConfiguration
    /// Redial backoff.
    public var reconnect: ReconnectPolicy
    /// How long one dial may take to connect (TCP only; the handshake has
    /// its own timeout in ``transport``).
    public var connectTimeoutMillis: Int64
    /// The most bytes of sync messages this node holds for one peer while
    /// that peer's connection is not writable (above the transport's socket
    /// buffer). A peer that lets more pile up is not reading: its
    /// connection is closed, counted (`NodeMetrics.peersNotReading`) and
    /// audited, and when it reconnects it is offered what it lacks.
    public var maxQueuedBytesPerPeer: Int
    /// The most connections accepted by this node's listener that may be
    /// waiting for their handshake at once. Accepting one more closes the
    /// oldest unauthenticated connection (counted in
    /// `NodeMetrics.unauthenticatedDropped`), so idle connections cannot
    /// hold file descriptors a legitimate peer needs. Connections this node
    /// dials are not counted. Values below 1 count as 1. Default 256.
    public var maxUnauthenticatedConnections: Int
    /// The most of those from one IP address; one more closes the oldest
    /// unauthenticated connection from that address (counted in both
    /// `NodeMetrics.unauthenticatedDropped` and
    /// `NodeMetrics.unauthenticatedDroppedPerAddress`). Values below 1
    /// count as 1. Default 16.
    public var maxUnauthenticatedConnectionsPerAddress: Int
    /// Group commit under concurrent load: when the previous local commit
    /// took several changes (callers are writing concurrently), the next one
    /// starts no sooner than this long after it started, so that the changes
    /// arriving meanwhile share its batch: fewer commits and fewer batches on
    /// this node and on every peer, for at most this much added latency. A
    /// lone sequential writer, or a change after a quiet spell, is committed
    /// at once. Zero turns the wait off (changes are then grouped only while
    /// a commit is in progress).
    public var groupCommitDelayMillis: Int64
    /// How refusals are audited and when a peer is cut off: the first of
    /// each (peer, reason) per interval at once, the rest as one row per
    /// interval; a peer past `disconnectAfter` refusals in one interval is
    /// cut off.
    public var refusals: RefusalLedger.Policy
    /// How long a peer cut off for refusals stays cut off: its connections
    /// are refused and it is not dialled.
    public var refusalCutOffMillis: UInt64
    /// When the node removes batches from its delta log: once every direct
    /// peer (dialled, or connected since the node started) acknowledged
    /// them and the retention passed; nil never compacts.
    public var compaction: LogCompaction?
    /// How far ahead of this node's wall clock a remote timestamp may be
    /// before the batch carrying it is held rather than applied (the hybrid
    /// logical clock's drift bound). Default 500 ms.
    public var maxClockOffsetMillis: UInt64
    /// Wall time in milliseconds since the Unix epoch. Injectable for tests.
    public var clock: @Sendable () -> UInt64
    /// Called on the node's event loop with every event the sync driver
    /// reports, after the node counted it. It must not block.
    public var observer: (@Sendable (SyncEvent) -> Void)?
    /// Called on the node's event loop after every local change is
    /// committed (a write, a delete, an adapter's capture), with each
    /// changed record before and after: what cross-record rules evaluate.
    /// Peers' batches are not reported. It must not block. Nil (the
    /// default) costs nothing.
    public var localCommits: (@Sendable (LocalCommit) -> Void)?

    /// A configuration whose allow-list and trusted origins are `peers` plus
    /// `members` (and, for origins, this node).
    public init(
        identity: NodeKeyPair, host: String = "127.0.0.1", port: Int = 0,
        peers: [PeerAddress] = [], members: Set<NodeID> = [],
        transport: TransportConfiguration = TransportConfiguration(),
        reconnect: ReconnectPolicy = ReconnectPolicy(),
        clock: @escaping @Sendable () -> UInt64 = SyncNodeConfiguration.systemClock
    ) {
        let mesh = members.union(peers.map(\.node)).subtracting([identity.nodeID])
        self.identity = identity
        self.host = host
        self.port = port
        self.peers = peers
        self.allowList = mesh
        self.sync = SyncConfiguration(trustedOrigins: mesh.union([identity.nodeID]))
        self.transport = transport
        self.reconnect = reconnect
        self.connectTimeoutMillis = 5_000
        self.maxQueuedBytesPerPeer = 8 * 1024 * 1024
        self.groupCommitDelayMillis = 2
        self.refusals = RefusalLedger.Policy()
        self.refusalCutOffMillis = 30_000
        self.compaction = LogCompaction()
        self.maxUnauthenticatedConnections = 256
        self.maxUnauthenticatedConnectionsPerAddress = 16
        self.maxClockOffsetMillis = HybridLogicalClock.defaultMaxOffsetMillis
        self.clock = clock
        self.observer = nil
        self.localCommits = nil
    }

    /// The node id.
    public var node: NodeID { identity.nodeID }

    /// Wall-clock milliseconds since the Unix epoch.
    public static let systemClock: @Sendable () -> UInt64 = {
        UInt64(max(0, Date().timeIntervalSince1970 * 1000))
    }
}
