import NIOCore
import NIOPosix
import TandemCore
import TandemCrypto
import TandemNet
import TandemStore
import TandemSync

/// The part of a `SyncNode` that lives on its event loop: the sync driver,
/// one session per peer, the dialers and the listener.
///
/// Not thread-safe by design: every method runs on `eventLoop` (`SyncNode`
/// reaches it through a loop-bound box, and channel handlers run there
/// because every channel of the node is on that loop). The driver is fed
/// through one queue (`feed`), so it is never re-entered.
///
/// The stored state, `init` and the lifecycle are here; the rest is split
/// by facet into `NodeCore-*.swift` extensions (inputs, group commit,
/// sessions, dialling, outbox, cut-off).
final class NodeCore {
    let configuration: SyncNodeConfiguration
    let transport: TransportConfiguration
    let eventLoop: any EventLoop
    let store: any ReplicaStore
    let metrics: MetricsBox
    let status: StatusBox

    var driver: SyncDriver<NodeShell>?
    var running = false
    private var stopped = false
    var inputs = CircularBuffer<NodeInput>()
    var draining = false
    var sessions: [NodeID: PeerSession] = [:]
    /// Every active connection, authenticated or not.
    var channels: [ObjectIdentifier: any Channel] = [:]
    /// The connections accepted by the listener that have not completed
    /// the handshake, within the configured caps.
    var admission: HandshakeAdmission<ObjectIdentifier>
    /// Channels written to since the last flush.
    var unflushed: [ObjectIdentifier: any Channel] = [:]
    var dialers: [NodeID: Dialer] = [:]
    var timer: Scheduled<Void>?
    private var listener: (any Channel)?
    /// Local changes waiting for the next group commit.
    var pendingWrites: [LocalWrite] = []
    var commitScheduled = false
    var commitTimer: Scheduled<Void>?
    /// When the last group commit started, and how many changes it took.
    var lastCommit: (start: NIODeadline, writes: Int)?
    /// Peers cut off for too many refusals, until when (`NodeCore-CutOff.swift`).
    var cutOffUntil: [NodeID: NIODeadline] = [:]
    /// Direct peers since the node started (compaction waits for their
    /// acknowledgements), and when the log was last compacted.
    var directPeers: Set<NodeID> = []
    var lastCompaction: UInt64 = 0
    /// Callers awaiting a parity check against each peer (`NodeCore-Parity.swift`).
    var parityWaiters: [NodeID: [EventLoopPromise<PeerParityReport>]] = [:]

    /// The most local changes a group commit puts in one batch, and the
    /// most estimated bytes (a single change is never split; these keep a
    /// group of small changes well below the transport's frame limit).
    static let maxWritesPerBatch = 256
    static let maxGroupBytes = 1 << 20

    /// Socket write-buffer water marks: above `high` a channel reports
    /// itself not writable and the node holds further messages itself.
    static let waterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 256 * 1024, high: 1024 * 1024)

    init(
        configuration: SyncNodeConfiguration, transport: TransportConfiguration, eventLoop: any EventLoop,
        store: any ReplicaStore, metrics: MetricsBox, status: StatusBox
    ) {
        self.configuration = configuration
        self.transport = transport
        self.eventLoop = eventLoop
        self.store = store
        self.metrics = metrics
        self.status = status
        self.admission = HandshakeAdmission(
            maxTotal: configuration.maxUnauthenticatedConnections,
            maxPerAddress: configuration.maxUnauthenticatedConnectionsPerAddress)
    }

    var node: NodeID { configuration.node }

    // MARK: Lifecycle

    /// Opens the driver on the store, binds the listener, starts the sync
    /// timer and dials every configured peer. Succeeds with the bound port.
    func start() -> EventLoopFuture<Int> {
        guard driver == nil, !stopped else { return eventLoop.makeFailedFuture(NodeError.alreadyStarted) }
        do {
            let summary = try store.summary()
            guard summary.node == node else {
                return eventLoop.makeFailedFuture(NodeError.storeOfAnotherNode(store: summary.node, node: node))
            }
            driver = try makeDriver()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        running = true
        let promise = eventLoop.makePromise(of: Int.self)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let host = configuration.host
        let port = configuration.port
        ServerBootstrap(group: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: Self.waterMark)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try bound.value.initialize(channel, role: .server, dialled: nil) }
            }
            .bind(host: host, port: port)
            .assumeIsolated()
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    guard running else {
                        channel.close(promise: nil)
                        promise.fail(NodeError.notRunning)
                        return
                    }
                    listener = channel
                    let boundPort = channel.localAddress?.port ?? port
                    status.update { $0.boundPort = boundPort }
                    feed(.start)
                    for peer in configuration.peers where peer.node != node && dialers[peer.node] == nil {
                        dialers[peer.node] = Dialer(address: peer)
                        dial(peer.node)
                    }
                    promise.succeed(boundPort)
                case .failure(let error):
                    running = false
                    driver = nil
                    promise.fail(NodeError.bindFailed(host: host, port: port, detail: "\(error)"))
                }
            }
        return promise.futureResult
    }

    private func makeDriver() throws -> SyncDriver<NodeShell> {
        let identity = configuration.identity
        var sync = configuration.sync
        sync.maxMessageBytes = min(sync.maxMessageBytes, transport.maximumPayloadSize)
        return try SyncDriver(
            store: store, shell: NodeShell(core: self), configuration: sync,
            maxClockOffsetMillis: configuration.maxClockOffsetMillis,
            sign: { identity.sign($0) },
            verify: { SignatureVerifier.verify($0) },
            verifyRecords: { SignatureVerifier.verify($0, from: $1) },
            refusalPolicy: configuration.refusals)
    }

    /// Stops timers and dialling, closes the listener and every connection,
    /// and drops the driver. Succeeds once every channel has closed.
    func shutdown() -> EventLoopFuture<Void> {
        stopped = true
        running = false
        timer?.cancel()
        timer = nil
        commitTimer?.cancel()
        commitTimer = nil
        for dialer in dialers.values {
            dialer.retry?.cancel()
            dialer.retry = nil
        }
        var closing: [EventLoopFuture<Void>] = []
        if let listener { closing.append(listener.close()) }
        for channel in channels.values { closing.append(channel.close()) }
        for dialer in dialers.values { if let channel = dialer.channel { closing.append(channel.close()) } }
        listener = nil
        return EventLoopFuture.whenAllComplete(closing, on: eventLoop).assumeIsolated().map { [self] _ in
            for input in inputs { fail(input) }
            inputs.removeAll()
            for write in pendingWrites { write.promise.fail(NodeError.notRunning) }
            pendingWrites.removeAll()
            for waiter in parityWaiters.values.joined() { waiter.fail(NodeError.notRunning) }
            parityWaiters.removeAll()
            // Refusals counted together but not yet audited are written now.
            driver?.flushRefusals(now: configuration.clock(), everything: true)
            driver = nil
            sessions.removeAll()
            status.update {
                $0.connectedPeers = []
                $0.boundPort = nil
            }
        }.nonisolated()
    }
}
