import Foundation
import Synchronization
import TandemAdapterCore
import TandemAdapters
import TandemCore
import TandemCrypto
import TandemNode
import TandemStore
import TandemSync
import TandemTestSupport

/// Fixed node identities for adapter tests.
enum AdapterKeys {
    static let crm = keyPair(0x11)
    static let helpdesk = keyPair(0x22)
    static let billing = keyPair(0x33)

    static func keyPair(_ byte: UInt8) -> NodeKeyPair { TestKeys.keyPair(byte) }
}

/// One side of a synced pair: a node (own store directory) beside a SQLite
/// database, and the adapter runner between them.
final class AdapterSide: Sendable {
    let name: String
    let keys: NodeKeyPair
    let database: String
    let storeDirectory: String
    let mapping: AdapterMapping
    let relay = AdapterEventRelay()
    let node: SyncNode
    let runner: AdapterRunner
    let peers: [PeerAddress]
    let clock: @Sendable () -> Int64

    init(name: String, keys: NodeKeyPair, database: String, storeDirectory: String, mapping: AdapterMapping,
         port: Int, peers: [PeerAddress], clock: @escaping @Sendable () -> Int64 = AdapterSide.wallClock) throws {
        self.name = name
        self.keys = keys
        self.database = database
        self.storeDirectory = storeDirectory
        self.mapping = mapping
        self.peers = peers
        self.clock = clock
        var configuration = SyncNodeConfiguration(
            identity: keys, port: port, peers: peers, members: [AdapterKeys.crm.nodeID, AdapterKeys.helpdesk.nodeID],
            reconnect: ReconnectPolicy(baseDelayMillis: 20, maxDelayMillis: 200, jitter: { 0.5 }))
        configuration.sync.summaryIntervalMillis = 100
        configuration.sync.resendAfterMillis = 500
        let relay = self.relay
        configuration.observer = { relay.forward($0) }
        node = try SyncNode.open(configuration: configuration, directory: storeDirectory)
        let driver = try SQLiteDriver(path: database, table: mapping.table, keyColumn: mapping.keyColumn)
        runner = AdapterRunner(mapping: mapping, node: node, driver: driver, clock: clock)
        relay.add(runner)
    }

    static let wallClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The same node, store, database and adapter, opened again (after `stop()`).
    func reopened(mapping: AdapterMapping? = nil) throws -> AdapterSide {
        try AdapterSide(
            name: name, keys: keys, database: database, storeDirectory: storeDirectory, mapping: mapping ?? self.mapping,
            port: 0, peers: peers, clock: clock)
    }

    func start() async throws {
        try await node.start()
        try await runner.start()
    }

    func stop() async throws {
        await runner.stop()
        try await node.shutdown()
    }

    @discardableResult
    func sql(_ statement: String) async throws -> String { try await sqlite3(database, statement) }

    func status() async -> AdapterStatus { await runner.currentStatus() }
}

/// Two nodes over loopback TCP, each beside its own SQLite table: "crm"
/// (`customers`: id, email, full_name, phone, tags, vip, signed_on,
/// updated) and "helpdesk" (`contacts` with different column names).
final class SQLitePair: Sendable {
    let directory: TemporaryDirectory
    let crm: AdapterSide
    private let helpdeskSide: Mutex<AdapterSide>
    /// The helpdesk side (replaced by `restartHelpdesk`).
    var helpdesk: AdapterSide { helpdeskSide.withLock { $0 } }

    static let crmTable = """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, full_name TEXT, phone TEXT, tags TEXT,
            vip BOOLEAN, score REAL, visits INTEGER, signed_on DATE, updated TIMESTAMP, notes TEXT DEFAULT 'n/a');
        """
    static let helpdeskTable = """
        CREATE TABLE contacts (contact_id INTEGER PRIMARY KEY AUTOINCREMENT, mail TEXT, name TEXT, tel TEXT,
            labels JSON, is_vip BOOLEAN, rating REAL, visit_count INTEGER, since DATE, changed_at DATETIME,
            internal TEXT DEFAULT 'x');
        """

    static func crmMapping(match: Bool = true, directions: [String: FieldDirection] = [:], owners: [String: NodeID] = [:],
                           massDeletes: MassDeletePolicy = MassDeletePolicy()) -> AdapterMapping {
        mapping("crm", table: "customers", key: "id",
                columns: ["email": "email", "name": "full_name", "phone": "phone", "tags": "tags", "vip": "vip",
                          "score": "score", "visits": "visits", "signed": "signed_on", "updated": "updated"],
                match: match, directions: directions, owners: owners, massDeletes: massDeletes)
    }

    static func helpdeskMapping(match: Bool = true, directions: [String: FieldDirection] = [:], owners: [String: NodeID] = [:],
                                massDeletes: MassDeletePolicy = MassDeletePolicy()) -> AdapterMapping {
        mapping("helpdesk", table: "contacts", key: "contact_id",
                columns: ["email": "mail", "name": "name", "phone": "tel", "tags": "labels", "vip": "is_vip",
                          "score": "rating", "visits": "visit_count", "signed": "since", "updated": "changed_at"],
                match: match, directions: directions, owners: owners, massDeletes: massDeletes)
    }

    static func mapping(
        _ name: String, table: String, key: String, columns: [String: String], match: Bool,
        directions: [String: FieldDirection], owners: [String: NodeID], massDeletes: MassDeletePolicy
    ) -> AdapterMapping {
        AdapterMapping(
            name: name, collection: "contacts", table: table, keyColumn: key,
            fields: columns.sorted { $0.key < $1.key }.map {
                FieldBinding(field: $0.key, column: $0.value, direction: directions[$0.key] ?? .both, isSet: $0.key == "tags")
            },
            match: match ? MatchRule(field: "email", fallbackField: "phone") : nil, owners: owners, massDeletes: massDeletes)
    }

    private init(directory: TemporaryDirectory, crm: AdapterSide, helpdesk: AdapterSide) {
        self.directory = directory
        self.crm = crm
        self.helpdeskSide = Mutex(helpdesk)
    }

    /// Stops the helpdesk's adapter and node.
    func stopHelpdesk() async throws { try await helpdesk.stop() }

    /// Opens and starts the helpdesk's node and adapter again.
    func restartHelpdesk(mapping: AdapterMapping? = nil) async throws {
        let side = try helpdesk.reopened(mapping: mapping)
        try await side.start()
        helpdeskSide.withLock { $0 = side }
    }

    /// Creates both databases (seeded by the sqlite3 shell), starts crm's
    /// node and adapter, then helpdesk's dialling crm.
    static func start(
        _ name: String, crmMapping: AdapterMapping = SQLitePair.crmMapping(),
        helpdeskMapping: AdapterMapping = SQLitePair.helpdeskMapping(),
        seedCRM: String = "", seedHelpdesk: String = "",
        helpdeskClock: @escaping @Sendable () -> Int64 = AdapterSide.wallClock
    ) async throws -> SQLitePair {
        let directory = try TemporaryDirectory("adapter-" + name)
        try await sqlite3(directory.appending("crm.db"), "PRAGMA journal_mode=WAL; " + crmTable + seedCRM)
        try await sqlite3(directory.appending("helpdesk.db"), helpdeskTable + seedHelpdesk)
        let crm = try AdapterSide(
            name: "crm", keys: AdapterKeys.crm, database: directory.appending("crm.db"), storeDirectory: directory.appending("crm-store"),
            mapping: crmMapping, port: 0, peers: [])
        try await crm.start()
        guard let port = crm.node.boundPort else { throw Timeout(what: "crm's port") }
        let helpdesk = try AdapterSide(
            name: "helpdesk", keys: AdapterKeys.helpdesk, database: directory.appending("helpdesk.db"),
            storeDirectory: directory.appending("helpdesk-store"), mapping: helpdeskMapping, port: 0,
            peers: [PeerAddress(node: AdapterKeys.crm.nodeID, host: "127.0.0.1", port: port)], clock: helpdeskClock)
        try await helpdesk.start()
        return SQLitePair(directory: directory, crm: crm, helpdesk: helpdesk)
    }

    func stop() async {
        try? await crm.stop()
        try? await helpdesk.stop()
        directory.remove()
    }
}
