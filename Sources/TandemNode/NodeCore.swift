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
final class NodeCore {
    let configuration: SyncNodeConfiguration
    let transport: TransportConfiguration
    let eventLoop: any EventLoop
    let store: any ReplicaStore
    let metrics: MetricsBox
    let status: StatusBox

    private var driver: SyncDriver<NodeShell>?
    private var running = false
    private var stopped = false
    private var inputs = CircularBuffer<NodeInput>()
    private var draining = false
    private(set) var sessions: [NodeID: PeerSession] = [:]
    /// Every active connection, authenticated or not.
    private var channels: [ObjectIdentifier: any Channel] = [:]
    /// The connections accepted by the listener that have not completed
    /// the handshake, within the configured caps.
    private var admission: HandshakeAdmission<ObjectIdentifier>
    /// Channels written to since the last flush.
    private var unflushed: [ObjectIdentifier: any Channel] = [:]
    private var dialers: [NodeID: Dialer] = [:]
    private var timer: Scheduled<Void>?
    private var listener: (any Channel)?
    /// Local changes waiting for the next group commit.
    private var pendingWrites: [LocalWrite] = []
    private var commitScheduled = false
    private var commitTimer: Scheduled<Void>?
    /// When the last group commit started, and how many changes it took.
    private var lastCommit: (start: NIODeadline, writes: Int)?
    /// Peers cut off for too many refusals, until when (`NodeCore-CutOff.swift`).
    var cutOffUntil: [NodeID: NIODeadline] = [:]
    /// Direct peers since the node started (compaction waits for their
    /// acknowledgements), and when the log was last compacted.
    private var directPeers: Set<NodeID> = []
    private var lastCompaction: UInt64 = 0

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
            sign: { identity.sign($0) },
            verify: { SignatureVerifier.verify(signature: $0.signature, message: $0.signingBytes, signer: $0.origin) },
            verifyRecords: { chunk, peer in
                SignatureVerifier.verify(signature: chunk.signature, message: chunk.signingBytes, signer: peer)
            },
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

    // MARK: The driver's inputs

    /// Queues `input` and, unless the driver is already running, feeds the
    /// queue to it until empty, then flushes what it wrote.
    func feed(_ input: NodeInput) {
        guard running, driver != nil else {
            fail(input)
            return
        }
        inputs.append(input)
        guard !draining else { return }
        draining = true
        while let next = inputs.popFirst() { process(next) }
        draining = false
        flushWritten()
    }

    // MARK: Local changes

    /// Queues a local change for the next group commit.
    ///
    /// Changes that reach the event loop while it is busy (committing the
    /// previous batch, applying a peer's) are committed together: one batch,
    /// one signature, one transaction, however many callers. Under
    /// concurrent load a commit also waits until `groupCommitDelayMillis`
    /// after the previous one started. A change that arrives while the loop
    /// is idle, or from a lone sequential writer, is committed at once.
    /// Each caller's promise completes when the batch holding its change is
    /// durable.
    func enqueueWrite(_ write: LocalWrite) {
        guard running, driver != nil else {
            write.promise.fail(NodeError.notRunning)
            return
        }
        pendingWrites.append(write)
        guard !commitScheduled else { return }
        commitScheduled = true
        // Under concurrent load (the last commit took several changes and
        // started less than the delay ago) wait until the delay has passed
        // since it started; otherwise commit after the tasks already queued
        // on the loop, so the changes submitted meanwhile join this commit.
        // A lone sequential writer is never delayed.
        let delay = TimeAmount.milliseconds(max(configuration.groupCommitDelayMillis, 0))
        if let lastCommit, lastCommit.writes > 1, lastCommit.start + delay > .now() {
            commitTimer = eventLoop.assumeIsolated().scheduleTask(deadline: lastCommit.start + delay) { [self] in
                commitTimer = nil
                commitScheduled = false
                commitPending()
            }
        } else {
            eventLoop.assumeIsolated().execute { [self] in
                commitScheduled = false
                commitPending()
            }
        }
    }

    private func commitPending() {
        var groups: [(collection: String, writes: [LocalWrite], bytes: Int)] = []
        for write in pendingWrites {
            if let index = groups.lastIndex(where: { $0.collection == write.collection }),
               groups[index].writes.count < Self.maxWritesPerBatch,
               groups[index].bytes + write.estimatedBytes <= Self.maxGroupBytes {
                groups[index].writes.append(write)
                groups[index].bytes += write.estimatedBytes
            } else {
                groups.append((write.collection, [write], write.estimatedBytes))
            }
        }
        lastCommit = (.now(), pendingWrites.count)
        pendingWrites.removeAll()
        for group in groups { feed(.local(group.writes)) }
    }

    /// Commits `writes` (all of one collection) as one batch: each change
    /// runs on the shared working set with the batch's timestamp; a change
    /// that throws is undone and fails alone.
    private func commit(_ writes: [LocalWrite], now: UInt64) {
        guard let collection = writes.first?.collection else { return }
        var ids: [String] = []
        var seen: Set<String> = []
        for write in writes {
            for id in write.records where seen.insert(id).inserted { ids.append(id) }
        }
        var failures: [Int: any Error] = [:]
        do {
            let batch = try driver?.write(collection, records: ids, now: now) { working, timestamp in
                var delta = RecordCollection()
                for (index, write) in writes.enumerated() {
                    let before = working
                    do {
                        delta.join(try write.change(&working, timestamp))
                    } catch {
                        working = before
                        failures[index] = error
                    }
                }
                return delta
            }
            for (index, write) in writes.enumerated() {
                if let failure = failures[index] { write.promise.fail(failure) } else { write.promise.succeed(batch ?? nil) }
            }
        } catch SyncWriteError.batchTooLarge where writes.count > 1 {
            // Together too large for one message: each change alone may fit
            // (nothing was committed, so each is tried on its own).
            for write in writes { commit([write], now: now) }
        } catch {
            for (index, write) in writes.enumerated() { write.promise.fail(failures[index] ?? error) }
        }
    }

    private func process(_ input: NodeInput) {
        guard driver != nil else {
            fail(input)
            return
        }
        let now = configuration.clock()
        switch input {
        case .start:
            directPeers = Set(configuration.peers.map(\.node))
            lastCompaction = now
            driver?.start(now: now)
        case .connected(let peer):
            directPeers.insert(peer)
            driver?.handle(.peerConnected(peer), now: now)
        case .disconnected(let peer):
            driver?.handle(.peerDisconnected(peer), now: now)
        case .received(let messages, let peer):
            driver?.receive(messages, from: peer, now: now)
        case .timerFired:
            driver?.handle(.timerFired, now: now)
            // With no direct peer yet, nobody has acknowledged anything.
            if let policy = configuration.compaction, !directPeers.isEmpty, policy.isDue(lastRun: lastCompaction, now: now) {
                lastCompaction = now
                do {
                    let removed = try driver?.compactLog(policy, peers: directPeers.sorted(), now: now) ?? 0
                    metrics.update {
                        $0.compactionRuns += 1
                        $0.batchesCompacted += removed
                    }
                } catch {
                    metrics.update { $0.storeFailures += 1 }
                }
            }
        case .local(let writes):
            commit(writes, now: now)
        }
    }

    private func fail(_ input: NodeInput) {
        if case .local(let writes) = input {
            for write in writes { write.promise.fail(NodeError.notRunning) }
        }
    }

    // MARK: Connections

    /// Installs the transport and the node's handler on a new connection
    /// (from a bootstrap's initializer, on the event loop).
    func initialize(_ channel: any Channel, role: TransportRole, dialled: NodeID?) throws {
        guard running else { throw NodeError.notRunning }
        try channel.pipeline.syncOperations.configureTandemHandlers(
            role: role, identity: configuration.identity, allowList: configuration.allowList,
            expectedPeer: dialled, configuration: transport)
        try channel.pipeline.syncOperations.addHandler(PeerChannelHandler(core: self, role: role))
    }

    /// A connection became active. One the listener accepted is admitted
    /// as unauthenticated, which may close the oldest unauthenticated ones
    /// (see `HandshakeAdmission`).
    func opened(_ channel: any Channel, role: TransportRole) {
        guard running else {
            channel.close(promise: nil)
            return
        }
        let id = ObjectIdentifier(channel)
        channels[id] = channel
        guard role == .server else { return }
        guard let drop = admission.admit(id, address: channel.remoteAddress?.ipAddress) else { return }
        metrics.update {
            $0.unauthenticatedDropped += 1
            if drop.cap == .perAddress { $0.unauthenticatedDroppedPerAddress += 1 }
        }
        channels[drop.connection]?.close(promise: nil)
    }

    /// The transport authenticated `peer` on `channel`: adopt the channel as
    /// the peer's session unless a better one exists.
    ///
    /// When both nodes dial each other, two connections reach the same pair.
    /// Both nodes keep the one opened by the lower node id (the *preferred*
    /// one) and close the other; between two of equal standing, the newer
    /// wins (the older is most likely half-open, its peer having restarted).
    func authenticated(_ peer: NodeID, channel: any Channel, role: TransportRole) {
        admission.remove(ObjectIdentifier(channel))
        guard running, !refusesCutOff(peer, channel: channel) else {
            channel.close(promise: nil)
            return
        }
        let initiator = role == .client ? node : peer
        let preferred = initiator == min(node, peer)
        if role == .client { dialers[peer]?.failures = 0 }
        let existing = sessions[peer]
        if let existing {
            if existing.channel === channel { return }
            if existing.preferred && !preferred {
                metrics.update { $0.duplicateConnectionsClosed += 1 }
                channel.close(promise: nil)
                return
            }
        }
        if let existing { readComplete(existing.channel, peer: peer) }
        sessions[peer] = PeerSession(channel: channel, preferred: preferred)
        metrics.update { $0.sessionsOpened += 1 }
        publishPeers()
        if let existing {
            metrics.update {
                $0.duplicateConnectionsClosed += 1
                $0.sessionsClosed += 1
                $0.sendsDropped += existing.queued.count
            }
            existing.channel.close(promise: nil)
            feed(.disconnected(peer))
        }
        feed(.connected(peer))
    }

    /// A payload from `peer` arrived on `channel`: held with the others of
    /// the same read until `readComplete`.
    func received(_ buffer: ByteBuffer, from peer: NodeID, channel: any Channel) {
        guard let session = sessions[peer], session.channel === channel, !session.closing else { return }
        let bytes = Array(buffer.readableBytesView)
        metrics.update {
            $0.messagesReceived += 1
            $0.bytesReceived += bytes.count
        }
        session.inbox.append(bytes)
    }

    /// The read from `channel` is over: hands its messages to the driver in
    /// order, consecutive `batches` messages together (one transaction for
    /// the batches they carry: a node that falls behind commits more per
    /// sync to disk instead of falling further behind), the others one by
    /// one. Once the node closes the session (the peer is not reading), the
    /// rest is dropped: the peer offers it again when it reconnects. A read
    /// is at most a few socket buffers, so a burst stays small.
    func readComplete(_ channel: any Channel, peer: NodeID) {
        guard let session = sessions[peer], session.channel === channel, !session.inbox.isEmpty else { return }
        let messages = session.inbox
        session.inbox.removeAll()
        var run: [[UInt8]] = []
        for message in messages {
            if SyncMessage.looksLikeBatches(message) {
                run.append(message)
                continue
            }
            if !run.isEmpty { feed(.received(run, from: peer)) }
            run.removeAll()
            guard !session.closing else { return }
            feed(.received([message], from: peer))
        }
        if !run.isEmpty && !session.closing { feed(.received(run, from: peer)) }
    }

    /// A connection closed (after authentication if `peer` is set).
    func closed(_ channel: any Channel, peer: NodeID?) {
        let id = ObjectIdentifier(channel)
        channels[id] = nil
        unflushed[id] = nil
        admission.remove(id)
        if let peer, let session = sessions[peer], session.channel === channel {
            // What arrived before the close is still the peer's word.
            readComplete(channel, peer: peer)
            sessions[peer] = nil
            metrics.update {
                $0.sessionsClosed += 1
                $0.sendsDropped += session.queued.count
            }
            publishPeers()
            feed(.disconnected(peer))
        }
        for dialer in dialers.values where dialer.channel === channel {
            dialer.channel = nil
            if peer == nil { dialer.failures += 1 }
        }
        for peer in dialers.keys { ensureDialing(peer) }
    }

    private func publishPeers() {
        let peers = sessions.keys.sorted()
        status.update { $0.connectedPeers = peers }
    }

    // MARK: Dialling

    /// Whether this node should open a connection to `peer`: it has no
    /// session with it, or only one the peer opened while this node has the
    /// lower id (its own connection is the preferred one).
    private func shouldDial(_ peer: NodeID, evenIfCutOff: Bool = false) -> Bool {
        guard running, evenIfCutOff || !isCutOff(peer) else { return false }
        guard let session = sessions[peer] else { return true }
        return node < peer && !session.preferred
    }

    /// Schedules the next attempt to `peer` after the backoff, unless one is
    /// scheduled or in progress, or no attempt is needed.
    private func ensureDialing(_ peer: NodeID) {
        // A peer cut off is dialled again once its cut-off is over.
        guard let dialer = dialers[peer], dialer.retry == nil, !dialer.connecting, dialer.channel == nil,
              shouldDial(peer, evenIfCutOff: true)
        else { return }
        let delay = max(configuration.reconnect.delayMillis(afterFailures: dialer.failures), cutOffRemainingMillis(peer))
        dialer.retry = eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(clamping: delay))) { [self] in
            dialer.retry = nil
            if shouldDial(peer) { dial(peer) }
        }
    }

    private func dial(_ peer: NodeID) {
        guard running, let dialer = dialers[peer], !dialer.connecting, dialer.channel == nil else { return }
        dialer.connecting = true
        metrics.update { $0.dials += 1 }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.milliseconds(configuration.connectTimeoutMillis))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: Self.waterMark)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try bound.value.initialize(channel, role: .client, dialled: peer) }
            }
            .connect(host: dialer.address.host, port: dialer.address.port)
            .assumeIsolated()
            .whenComplete { [self] result in
                dialer.connecting = false
                switch result {
                case .success(let channel) where channels[ObjectIdentifier(channel)] != nil:
                    dialer.channel = channel
                case .success:
                    // Closed before this callback ran (never authenticated).
                    dialer.failures += 1
                case .failure:
                    dialer.failures += 1
                    metrics.update { $0.dialFailures += 1 }
                }
                ensureDialing(peer)
            }
    }

    // MARK: The shell

    /// Writes an encoded sync message to `peer`'s session (flushed when the
    /// driver is done). While the channel is not writable, holds up to
    /// `maxQueuedBytesPerPeer`; a peer that lets more pile up is not reading
    /// and its connection is closed (see `disconnectNotReading`). Without a
    /// session, or while it closes, the message is dropped and counted.
    func send(_ bytes: [UInt8], to peer: NodeID) {
        guard let session = sessions[peer], !session.closing else {
            metrics.update { $0.sendsDropped += 1 }
            return
        }
        let buffer = session.channel.allocator.buffer(bytes: bytes)
        if session.queued.isEmpty && session.channel.isWritable {
            write(buffer, to: session)
        } else if session.queuedBytes + bytes.count <= configuration.maxQueuedBytesPerPeer {
            session.queued.append(buffer)
            session.queuedBytes += bytes.count
        } else {
            disconnectNotReading(peer, session: session, refused: bytes.count)
        }
    }

    /// Closes the session of a peer that does not read what this node sends
    /// (a peer that floods requests without reading the replies, or is
    /// stuck): dropping messages inside a live session would leave the
    /// protocol believing the peer holds batches it never got, and holding
    /// more would grow memory without bound. The refusal is counted and
    /// audited; the held messages are dropped, and when the peer reconnects
    /// the summaries exchanged offer it everything it lacks.
    private func disconnectNotReading(_ peer: NodeID, session: PeerSession, refused: Int) {
        session.closing = true
        let held = session.queuedBytes
        metrics.update {
            $0.peersNotReading += 1
            $0.sendsDropped += session.queued.count + 1
        }
        session.queued.removeAll()
        session.queuedBytes = 0
        let detail = "peer \(peer.hex) is not reading: \(held) bytes already held for it and \(refused) more would exceed "
            + "the limit of \(configuration.maxQueuedBytesPerPeer); connection closed, its batches are offered again when it reconnects"
        do {
            try store.appendAudit([AuditEvent(at: configuration.clock(), kind: .rejected, node: peer, detail: detail)])
        } catch {
            metrics.update { $0.storeFailures += 1 }
        }
        // Closed once the driver is done: closing fires `closed` at once,
        // which feeds the driver, and this runs inside one of its sends.
        let channel = session.channel
        eventLoop.assumeIsolated().execute { channel.close(promise: nil) }
    }

    private func write(_ buffer: ByteBuffer, to session: PeerSession) {
        let count = buffer.readableBytes
        let promise = eventLoop.makePromise(of: Void.self)
        promise.futureResult.assumeIsolated().whenFailure { [metrics] _ in
            metrics.update { $0.sendsDropped += 1 }
        }
        session.channel.write(buffer, promise: promise)
        unflushed[ObjectIdentifier(session.channel)] = session.channel
        metrics.update {
            $0.messagesSent += 1
            $0.bytesSent += count
        }
    }

    private func flushWritten() {
        guard !unflushed.isEmpty else { return }
        for channel in unflushed.values { channel.flush() }
        unflushed.removeAll(keepingCapacity: true)
    }

    /// Sends what was held for `channel`'s peer while it is writable.
    func writabilityChanged(_ channel: any Channel) {
        guard channel.isWritable, let session = sessions.values.first(where: { $0.channel === channel }), !session.closing
        else { return }
        var wrote = false
        while channel.isWritable, let next = session.queued.popFirst() {
            session.queuedBytes -= next.readableBytes
            write(next, to: session)
            wrote = true
        }
        if wrote {
            unflushed[ObjectIdentifier(channel)] = nil
            channel.flush()
        }
    }

    func scheduleTimer(afterMillis millis: UInt64) {
        timer?.cancel()
        timer = eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(clamping: millis))) { [self] in
            timer = nil
            feed(.timerFired)
        }
    }

    func observe(_ event: SyncEvent) {
        metrics.update { $0.count(event) }
        if case .refusalLimitReached(let peer, let limit, let interval) = event {
            cutOff(peer, limit: limit, intervalMillis: interval)
        }
        configuration.observer?(event)
    }
}
