public import NIOCore
import NIOPosix
import Synchronization
public import TandemCore
import TandemNet
public import TandemStore
import TandemSync

/// One Tandem node on the network: an identity, a store, the sync protocol
/// (`SyncDriver`), a TCP listener and a connection to every configured peer,
/// redialled with backoff. Every change written here is signed, committed,
/// and sent to the peers that lack it; every peer's batch is verified,
/// committed and forwarded.
///
/// Concurrency: the node runs on one event loop (its own single thread
/// unless one is given). The driver, every channel, every timer and every
/// store commit of the node run there, one at a time; the public methods
/// may be called from anywhere and hop to the loop.
///
/// Sessions: both sides of a pair may dial each other; each node keeps one
/// session per peer (the connection opened by the lower node id when there
/// are two) and tells the protocol once per session that the peer connected
/// and, when it closes, that it disconnected.
///
/// ```swift
/// let node = try SyncNode.open(configuration: config, directory: "/var/lib/tandem")
/// try await node.start()
/// try await node.write(collection: "customers", record: "c-1", fields: ["name": .string("Ada")])
/// try await node.shutdown()
/// ```
///
/// Call `shutdown()` before dropping a started node: it closes the
/// connections and stops the node's thread.
public final class SyncNode: Sendable {
    /// The node's settings.
    public let configuration: SyncNodeConfiguration
    /// The node's durable state. Reads are safe from any thread; commits
    /// belong to the node.
    public let store: any ReplicaStore
    /// The event loop everything of the node runs on.
    public let eventLoop: any EventLoop

    private let ownedGroup: MultiThreadedEventLoopGroup?
    private let closeStore: (@Sendable () throws -> Void)?
    private let transportRefusals: TransportRefusalAudit
    private let core: NIOLoopBoundBox<NodeCore>
    private let metricsBox: MetricsBox
    private let status: StatusBox
    private let lifecycle = Mutex(Lifecycle.created)

    private enum Lifecycle {
        case created, started, shutDown
    }

    /// A node over `store`, on `eventLoop` (or a thread of its own).
    ///
    /// The store must belong to `configuration.identity` (checked by `start()`).
    public convenience init(configuration: SyncNodeConfiguration, store: any ReplicaStore, eventLoop: (any EventLoop)? = nil) {
        self.init(configuration: configuration, store: store, eventLoop: eventLoop, closeStore: nil)
    }

    /// A node over a `SQLiteStore` in `directory` (created if needed), which
    /// it closes when it shuts down.
    ///
    /// - Throws: `StoreError` when the store cannot be opened (another
    ///   node's directory, a file that is not Tandem's, …).
    public static func open(
        configuration: SyncNodeConfiguration, directory: String, eventLoop: (any EventLoop)? = nil
    ) throws -> SyncNode {
        let store = try SQLiteStore(directory: directory, node: configuration.node, now: configuration.clock())
        return SyncNode(configuration: configuration, store: store, eventLoop: eventLoop, closeStore: { try store.close() })
    }

    /// A node over `store`, on `eventLoop` (or a thread of its own), that
    /// calls `closeStore` when it shuts down (after its last use of the
    /// store): for a store the caller opened for the node alone, such as a
    /// `PostgresStore`.
    public init(
        configuration: SyncNodeConfiguration, store: any ReplicaStore, eventLoop: (any EventLoop)?,
        closeStore: (@Sendable () throws -> Void)?
    ) {
        let group: MultiThreadedEventLoopGroup? = eventLoop == nil ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        let loop = eventLoop ?? group?.next() ?? MultiThreadedEventLoopGroup.singleton.next()
        let metrics = MetricsBox()
        let status = StatusBox()
        self.configuration = configuration
        self.store = store
        self.eventLoop = loop
        self.ownedGroup = group
        self.closeStore = closeStore
        self.metricsBox = metrics
        self.status = status
        let refusalAudit = TransportRefusalAudit(policy: configuration.refusals, store: store, clock: configuration.clock)
        self.transportRefusals = refusalAudit
        let transport = Self.countingTransport(configuration, audit: refusalAudit, metrics: metrics)
        self.core = NIOLoopBoundBox.makeBoxSendingValue(
            NodeCore(configuration: configuration, transport: transport, eventLoop: loop,
                     store: store, metrics: metrics, status: status),
            eventLoop: loop)
    }

    /// The transport configuration with hooks that count and audit every
    /// refusal before calling the configured hooks.
    private static func countingTransport(
        _ configuration: SyncNodeConfiguration, audit: TransportRefusalAudit, metrics: MetricsBox
    ) -> TransportConfiguration {
        var transport = configuration.transport
        let hooks = transport.events
        transport.events = TransportEvents(
            rejected: { error in
                metrics.update { $0.transportRejections[error.reason, default: 0] += 1 }
                do {
                    try audit.record(reason: "transport_\(error.reason)", detail: "transport: \(error)", from: error.peer.node)
                } catch {
                    metrics.update { $0.storeFailures += 1 }
                }
                hooks.rejected(error)
            },
            authenticated: hooks.authenticated)
        return transport
    }

    // MARK: Identity and status

    /// This node's id.
    public var node: NodeID { configuration.node }

    /// The port the listener is bound to, once started (the configured port,
    /// or the one the system chose for port 0).
    public var boundPort: Int? { status.snapshot.boundPort }

    /// The peers with an open session, sorted.
    public var connectedPeers: [NodeID] { status.snapshot.connectedPeers }

    /// What the node has done so far.
    public var metrics: NodeMetrics { metricsBox.snapshot }

    // MARK: Lifecycle

    /// Binds the listener, starts the protocol's timer and dials every peer.
    ///
    /// - Throws: `NodeError.alreadyStarted`, `NodeError.bindFailed`,
    ///   `NodeError.storeOfAnotherNode`, or the store's error.
    public func start() async throws {
        try lifecycle.withLock { state throws(NodeError) in
            guard state == .created else { throw state == .started ? NodeError.alreadyStarted : NodeError.notRunning }
            state = .started
        }
        let core = self.core
        do {
            _ = try await eventLoop.flatSubmit { core.value.start() }.get()
        } catch {
            try? await stop()
            throw error
        }
    }

    /// Closes every connection and the listener, stops the node's thread
    /// (if it owns one) and closes the store (if it opened it). Calling it
    /// again does nothing.
    public func shutdown() async throws {
        let previous = lifecycle.withLock { state in
            defer { state = .shutDown }
            return state
        }
        guard previous != .shutDown else { return }
        try await stop()
    }

    private func stop() async throws {
        lifecycle.withLock { $0 = .shutDown }
        let core = self.core
        try await eventLoop.flatSubmit { core.value.shutdown() }.get()
        if let ownedGroup { try await ownedGroup.shutdownGracefully() }
        try transportRefusals.flush()
        try closeStore?()
    }

    // MARK: Writing

    /// Writes `fields` of record `id` in `collection`: signed, committed
    /// (durable when this returns), and sent to the peers that lack it.
    /// Returns the batch that holds the change, or nil if nothing changed.
    ///
    /// Group commit: changes that reach the node while it is busy (with the
    /// previous commit, or with a peer's batch) are committed together, as
    /// one batch with one signature and one transaction, in the order they
    /// arrived; each caller gets that shared batch. A change that arrives
    /// while the node is idle is committed at once, alone.
    ///
    /// - Throws: `CoreError` for an invalid id, field name or value (that
    ///   change alone fails; nothing of it is written), `StoreError`, or
    ///   `NodeError.notRunning`.
    @discardableResult
    public func write(collection: String, record id: String, fields: [String: Value]) async throws -> DeltaBatch? {
        try await write(collection: collection, records: [id: fields])
    }

    /// Writes several records of `collection` in one batch (one signature,
    /// one commit, possibly shared with concurrent writes as in
    /// `write(collection:record:fields:)`): the efficient way to write many
    /// changes at once.
    @discardableResult
    public func write(collection: String, records: [String: [String: Value]]) async throws -> DeltaBatch? {
        let node = self.node
        let ids = records.keys.sorted()
        var bytes = 0
        for (id, fields) in records {
            bytes += id.utf8.count
            for (name, value) in fields { bytes += name.utf8.count + Self.estimatedSize(of: value) + 48 }
        }
        return try await submit(collection: collection, records: ids, estimatedBytes: bytes) { working, timestamp in
            var delta = RecordCollection()
            for id in ids {
                guard let fields = records[id], !fields.isEmpty else { continue }
                let changes = fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                delta.join(try working.update(id, fields: changes, by: node, at: timestamp))
            }
            return delta
        }
    }

    /// Writes `records` of `collection` on behalf of cross-record rules
    /// `firedBy` (the last is the rule making the write, the others led to
    /// it), committed alone as one batch with `audit` in the same
    /// transaction. The local-commit hook reports the batch with `firedBy`,
    /// so none of those rules fires on it again.
    @discardableResult
    public func write(
        collection: String, records: [String: [String: Value]], firedBy: [String], audit: [AuditEvent]
    ) async throws -> DeltaBatch? {
        guard lifecycle.withLock({ $0 == .started }) else { throw NodeError.notRunning }
        let node = self.node
        let ids = records.keys.sorted()
        let core = self.core
        return try await eventLoop.flatSubmit {
            let promise = core.eventLoop.makePromise(of: DeltaBatch?.self)
            core.value.enqueueWrite(LocalWrite(
                collection: collection, records: ids,
                change: { working, timestamp in
                    var delta = RecordCollection()
                    for id in ids {
                        guard let fields = records[id], !fields.isEmpty else { continue }
                        let changes = fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                        delta.join(try working.update(id, fields: changes, by: node, at: timestamp))
                    }
                    return delta
                },
                estimatedBytes: 0, firedBy: firedBy, audit: audit, promise: promise))
            return promise.futureResult
        }.get()
    }

    /// Deletes record `id` of `collection` (the versions this node has
    /// seen; a concurrent write elsewhere survives).
    @discardableResult
    public func delete(collection: String, record id: String) async throws -> DeltaBatch? {
        try await change(collection: collection, records: [id]) { working, _ in working.delete(id) }
    }

    /// The general form of a local change: loads records `ids` of
    /// `collection`, runs `change` (delta mutators on the working set, with
    /// the batch's timestamp; it returns the delta) on the node's event loop,
    /// and commits and sends the delta (group-committed like
    /// `write(collection:record:fields:)`). If `change` throws, its edits to
    /// the working set are undone and only this call fails.
    @discardableResult
    public func change(
        collection: String, records ids: [String],
        _ change: @escaping @Sendable (inout RecordCollection, HLCTimestamp) throws -> RecordCollection
    ) async throws -> DeltaBatch? {
        try await submit(collection: collection, records: ids, estimatedBytes: 0, change)
    }

    func submit(
        collection: String, records ids: [String], estimatedBytes: Int, adapter: AdapterCommit? = nil,
        _ change: @escaping @Sendable (inout RecordCollection, HLCTimestamp) throws -> RecordCollection
    ) async throws -> DeltaBatch? {
        guard lifecycle.withLock({ $0 == .started }) else { throw NodeError.notRunning }
        let core = self.core
        return try await eventLoop.flatSubmit {
            let promise = core.eventLoop.makePromise(of: DeltaBatch?.self)
            core.value.enqueueWrite(LocalWrite(
                collection: collection, records: ids, change: change, estimatedBytes: estimatedBytes,
                adapter: adapter, promise: promise))
            return promise.futureResult
        }.get()
    }

    private static func estimatedSize(of value: Value) -> Int {
        switch value {
        case .string(let text): text.utf8.count
        case .bytes(let bytes): bytes.count
        default: 9
        }
    }

    // MARK: Reading

    /// The committed state of record `id` of `collection`, or nil if it does
    /// not exist (read off the concurrency pool: `reading`).
    public func record(collection: String, id: String) async throws -> RecordView? {
        // The store holds ids in normal form C, as the core does (`Identifier`).
        let id = Identifier.normalized(id)
        guard let stored = try await reading({ try $0.record(collection, id) }) else { return nil }
        return RecordCollection(trusted: [id: stored], context: CausalContext()).record(id)
    }

    /// Runs `body` with the node's store on a thread of NIO's blocking pool
    /// (`NIOThreadPool.singleton`), never on Swift's concurrency pool, and
    /// returns what it returns. A store call blocks its thread: for a disk
    /// read (SQLite), or for a round trip to the server (PostgreSQL; up to
    /// the connect timeout while the server is down). On a two-core machine
    /// the concurrency pool has two threads, so two such calls made from
    /// tasks would stop every task of the process (adapters, the admin
    /// endpoint, alerts) until they return. Reads only: commits belong to
    /// the node's event loop.
    public func reading<T: Sendable>(_ body: @escaping @Sendable (any ReplicaStore) throws -> T) async throws -> T {
        let store = self.store
        return try await NIOThreadPool.singleton.runIfActive { try body(store) }
    }
}

extension SyncNode {
    /// Checks this node's records against each peer's (configured or
    /// connected) over the protocol, and repairs what differs where trust
    /// allows: digests first, then (Merkle-style) only the buckets and
    /// records that differ (docs/protocol.md, "Parity check against a
    /// peer"). Returns one report per peer, in node-id order, each within
    /// `timeout` plus one timer tick; a peer not connected is reported
    /// `unreachable` at once.
    ///
    /// - Throws: `NodeError.notRunning` if the node is not running or shuts
    ///   down meanwhile.
    public func checkPeerParity(timeout: Duration = .seconds(30)) async throws -> [PeerParityReport] {
        guard lifecycle.withLock({ $0 == .started }) else { throw NodeError.notRunning }
        let millis = UInt64(clamping: timeout.components.seconds) &* 1_000
            &+ UInt64(clamping: timeout.components.attoseconds / 1_000_000_000_000_000)
        let core = self.core
        return try await eventLoop.flatSubmit { core.value.checkPeerParity(timeoutMillis: millis) }.get()
    }
}
