import TandemCore
import TandemStore
import TandemSync

/// A shell that queues every send on a per-link FIFO (as TCP delivers) and
/// ignores timers: the test decides what is delivered when.
final class QueueShell: SyncShell {
    let node: NodeID
    var outbox: [(to: NodeID, bytes: [UInt8])] = []
    var events: [SyncEvent] = []

    init(node: NodeID) { self.node = node }

    func send(_ bytes: [UInt8], to peer: NodeID) { outbox.append((peer, bytes)) }
    func scheduleTimer(afterMillis millis: UInt64) {}
    func observe(_ event: SyncEvent) { events.append(event) }
}

/// Test signatures: a keyed checksum, enough to tell a tampered batch from
/// a good one without the crypto module (the core and sync layers are
/// independent of it).
enum TestSignature {
    static func sign(_ bytes: [UInt8], by node: NodeID) -> [UInt8] {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in node.bytes + bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0100_0000_01b3
        }
        return (0..<8).map { UInt8(truncatingIfNeeded: hash >> UInt64($0 * 8)) }
    }

    static func verify(_ batch: DeltaBatch) -> Bool {
        batch.signature == sign(batch.signingBytes, by: batch.origin)
    }

    static func verify(_ chunk: RecordsChunk, from peer: NodeID) -> Bool {
        chunk.signature == sign(chunk.signingBytes, by: peer)
    }
}

/// Nodes, stores and FIFO links, delivered step by step.
struct TestNetwork {
    var drivers: [NodeID: SyncDriver<QueueShell>] = [:]
    var stores: [NodeID: any ReplicaStore] = [:]
    /// Where SQLite stores go; nil for in-memory stores.
    var sqliteDirectory: String?
    /// In-flight messages per directed link (from, to), in order.
    var links: [Link: [[UInt8]]] = [:]
    var now: UInt64 = 1_000_000

    struct Link: Hashable, Comparable {
        var from: NodeID
        var to: NodeID
        static func < (lhs: Link, rhs: Link) -> Bool { (lhs.from, lhs.to) < (rhs.from, rhs.to) }
    }

    static func node(_ index: UInt64) -> NodeID { NodeID(words: index, 0, 0, index) }

    init(nodes: [NodeID], sqliteDirectory: String? = nil, configuration: ((Set<NodeID>) -> SyncConfiguration)? = nil) throws {
        self.sqliteDirectory = sqliteDirectory
        let trusted = Set(nodes)
        for node in nodes { try add(node, trusted: trusted, configuration: configuration) }
    }

    /// Adds a node (a brand-new one, or one restarting from `store`).
    mutating func add(
        _ node: NodeID, trusted: Set<NodeID>, store existing: (any ReplicaStore)? = nil,
        configuration: ((Set<NodeID>) -> SyncConfiguration)? = nil
    ) throws {
        do {
            let store: any ReplicaStore
            if let existing {
                store = existing
            } else if let sqliteDirectory {
                store = try SQLiteStore(directory: sqliteDirectory + "/" + node.hex, node: node, now: now)
            } else {
                store = InMemoryStore(node: node)
            }
            stores[node] = store
            // By default these nodes trust each other with their whole state
            // (the reconciliation tests need it); `StateSourceTests` narrow it.
            let config = configuration?(trusted) ?? {
                var config = SyncConfiguration(trustedOrigins: trusted)
                config.stateSources = trusted
                return config
            }()
            drivers[node] = try SyncDriver(
                store: store, shell: QueueShell(node: node), configuration: config,
                sign: { TestSignature.sign($0, by: node) }, verify: TestSignature.verify,
                verifyRecords: TestSignature.verify(_:from:))
        }
    }

    /// Connects two nodes (both sides see the session open).
    mutating func connect(_ a: NodeID, _ b: NodeID) {
        drivers[a]?.handle(.peerConnected(b), now: now)
        drivers[b]?.handle(.peerConnected(a), now: now)
        collect()
    }

    mutating func disconnect(_ a: NodeID, _ b: NodeID) {
        drivers[a]?.handle(.peerDisconnected(b), now: now)
        drivers[b]?.handle(.peerDisconnected(a), now: now)
        links[Link(from: a, to: b)] = nil
        links[Link(from: b, to: a)] = nil
    }

    /// A local write of one field on `node`.
    @discardableResult
    mutating func write(_ node: NodeID, record: String, field: String, value: Value) throws -> DeltaBatch? {
        now += 1
        let batch = try drivers[node]?.write("customers", records: [record], now: now) { working, timestamp in
            try working.set(field, to: value, in: record, by: node, at: timestamp)
        }
        collect()
        return batch
    }

    mutating func delete(_ node: NodeID, record: String) throws {
        now += 1
        try drivers[node]?.write("customers", records: [record], now: now) { working, _ in working.delete(record) }
        collect()
    }

    /// Removes every batch from `node`'s delta log, acknowledged or not.
    @discardableResult
    mutating func compactEverything(_ node: NodeID) throws -> Int {
        try drivers[node]?.compactLog(LogCompaction(retentionMillis: 0), peers: [], now: .max - 1) ?? 0
    }

    /// Moves every shell's outbox onto the links.
    mutating func collect() {
        for (node, driver) in drivers {
            let shell = driver.shell
            for (to, bytes) in shell.outbox where drivers[to] != nil {
                links[Link(from: node, to: to), default: []].append(bytes)
            }
            shell.outbox.removeAll()
        }
    }

    /// Links with a message waiting, in a stable order.
    var busyLinks: [Link] { links.filter { !$0.value.isEmpty }.keys.sorted() }

    /// Delivers the oldest message on `link`.
    mutating func deliver(_ link: Link) {
        guard var queue = links[link], !queue.isEmpty else { return }
        let bytes = queue.removeFirst()
        links[link] = queue
        now += 1
        drivers[link.to]?.receive(bytes, from: link.from, now: now)
        collect()
    }

    /// Delivers until nothing is in flight, oldest link first.
    mutating func settle(maxSteps: Int = 100_000) {
        var steps = 0
        while let link = busyLinks.first, steps < maxSteps {
            deliver(link)
            steps += 1
        }
    }

    /// Fires every node's timer at `now + millis`.
    mutating func advance(_ millis: UInt64) {
        now += millis
        for node in drivers.keys.sorted() { drivers[node]?.handle(.timerFired, now: now) }
        collect()
    }

    /// The state of `collection` on `node`.
    func state(_ node: NodeID) throws -> RecordCollection {
        guard let store = stores[node] else { return RecordCollection() }
        var records: [String: RecordStore] = [:]
        for (id, record) in try store.records("customers", after: nil, limit: .max) { records[id] = record }
        return RecordCollection(trusted: records, context: try store.workingSet("customers", records: []).context)
    }
}
