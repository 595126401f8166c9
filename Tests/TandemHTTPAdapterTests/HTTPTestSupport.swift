import Foundation
import Synchronization
import TandemAdapterCore
import TandemAdapters
import TandemCore
import TandemCrypto
import TandemFakeSaaS
import TandemHTTPAdapter
import TandemNode
import TandemSync
import TandemTestSupport

/// Fixed node identities for the HTTP adapter tests.
enum HTTPKeys {
    static let crm = TestKeys.keyPair(0x41)
    static let support = TestKeys.keyPair(0x42)
}

/// A webhook secret in a file of `directory` (connectors never hold secrets).
func secretFile(_ directory: TemporaryDirectory, _ secret: String = "whsec-test") throws -> HTTPConnector.Secret {
    .file(try directory.write(secret, to: "webhook.secret"))
}

/// The CRM mapping: canonical fields to the CRM connector's fields, matched by email.
func crmMapping(name: String = "crm") -> AdapterMapping {
    AdapterMapping(
        name: name, collection: "contacts", table: "contacts", keyColumn: HTTPDriver.keyColumn,
        fields: [
            FieldBinding(field: "email", column: "email"), FieldBinding(field: "first_name", column: "firstname"),
            FieldBinding(field: "last_name", column: "lastname"), FieldBinding(field: "phone", column: "phone"),
            FieldBinding(field: "renewal", column: "renewal_date"),
        ],
        match: MatchRule(field: "email"))
}

/// The helpdesk mapping (no first/last name split: `name` maps to first_name).
func helpdeskMapping() -> AdapterMapping {
    AdapterMapping(
        name: "helpdesk", collection: "contacts", table: "users", keyColumn: HTTPDriver.keyColumn,
        fields: [
            FieldBinding(field: "email", column: "email"), FieldBinding(field: "first_name", column: "name"),
            FieldBinding(field: "phone", column: "phone"), FieldBinding(field: "renewal", column: "renewal_date"),
        ],
        match: MatchRule(field: "email"))
}

/// The support tool's SQLite table and its mapping.
let supportTable = """
    CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT, first_name TEXT, last_name TEXT,
        phone TEXT, renewal DATE);
    """

func supportMapping() -> AdapterMapping {
    AdapterMapping(
        name: "support", collection: "contacts", table: "customers", keyColumn: "id",
        fields: ["email", "first_name", "last_name", "phone", "renewal"].map { FieldBinding(field: $0, column: $0) },
        match: MatchRule(field: "email"))
}

/// One node with one adapter (any driver), started on loopback.
final class SyncSide: Sendable {
    let node: SyncNode
    let runner: AdapterRunner
    let relay = AdapterEventRelay()

    init(keys: NodeKeyPair, members: Set<NodeID>, directory: String, mapping: AdapterMapping, driver: any AdapterDriver,
         peers: [PeerAddress]) throws {
        var configuration = SyncNodeConfiguration(
            identity: keys, port: 0, peers: peers, members: members,
            reconnect: ReconnectPolicy(baseDelayMillis: 20, maxDelayMillis: 200, jitter: { 0.5 }))
        configuration.sync.summaryIntervalMillis = 100
        configuration.sync.resendAfterMillis = 500
        let relay = self.relay
        configuration.observer = { relay.forward($0) }
        node = try SyncNode.open(configuration: configuration, directory: directory)
        runner = AdapterRunner(mapping: mapping, node: node, driver: driver, clock: { Int64(Date().timeIntervalSince1970 * 1000) })
        relay.add(runner)
    }

    func start() async throws {
        try await node.start()
        try await runner.start()
    }

    func stop() async {
        await runner.stop()
        try? await node.shutdown()
    }

    func status() async -> AdapterStatus { await runner.currentStatus() }
}

/// The fake CRM (HTTP adapter, webhooks and polling) on one node and a
/// support tool's SQLite table on another, over loopback TCP.
final class CRMSupportPair: Sendable {
    let directory: TemporaryDirectory
    let crm: FakeCRM
    let driver: HTTPDriver
    let crmSide: SyncSide
    let supportSide: SyncSide
    let database: String

    private init(directory: TemporaryDirectory, crm: FakeCRM, driver: HTTPDriver, crmSide: SyncSide, supportSide: SyncSide, database: String) {
        self.directory = directory
        self.crm = crm
        self.driver = driver
        self.crmSide = crmSide
        self.supportSide = supportSide
        self.database = database
    }

    /// Starts the fake CRM (seeded by `seedCRM`), the CRM's node, then the
    /// support node beside a SQLite file seeded by `seedSupport`.
    static func start(
        _ name: String, seedCRM: (FakeCRM) -> Void = { _ in }, seedSupport: String = "", pollMillis: Int? = 200,
        webhooks: Bool = true
    ) async throws -> CRMSupportPair {
        let directory = try TemporaryDirectory("http-" + name)
        let crm = try await FakeCRM.start()
        seedCRM(crm)
        let secret = try secretFile(directory)
        let connector = FakeConnectors.crm(
            baseURL: crm.baseURL, pollMillis: pollMillis, webhook: webhooks ? ("127.0.0.1", 0, secret) : nil)
        let driver = try HTTPDriver(connector: connector, statePath: directory.appending("crm-http.sqlite"))
        let members: Set<NodeID> = [HTTPKeys.crm.nodeID, HTTPKeys.support.nodeID]
        let crmSide = try SyncSide(
            keys: HTTPKeys.crm, members: members, directory: directory.appending("crm-store"), mapping: crmMapping(),
            driver: driver, peers: [])
        try await crmSide.start()
        if webhooks, let port = driver.boundWebhookPort {
            crm.subscribe(url: "http://127.0.0.1:\(port)/hooks/crm", secret: "whsec-test")
        }
        guard let crmPort = crmSide.node.boundPort else { throw Timeout(what: "the crm node's port") }
        let database = directory.appending("support.db")
        try await sqlite3(database, supportTable + seedSupport)
        let supportSide = try SyncSide(
            keys: HTTPKeys.support, members: members, directory: directory.appending("support-store"), mapping: supportMapping(),
            driver: try SQLiteDriver(path: database, table: "customers", keyColumn: "id"),
            peers: [PeerAddress(node: HTTPKeys.crm.nodeID, host: "127.0.0.1", port: crmPort)])
        try await supportSide.start()
        return CRMSupportPair(directory: directory, crm: crm, driver: driver, crmSide: crmSide, supportSide: supportSide, database: database)
    }

    @discardableResult
    func sql(_ statement: String) async throws -> String { try await sqlite3(database, statement) }

    func stop() async {
        await supportSide.stop()
        await crmSide.stop()
        await crm.stop()
        directory.remove()
    }
}

/// A driver alone against a fake API (no node): for the behaviours of one
/// request or one observation.
func standaloneDriver(_ connector: HTTPConnector, _ directory: TemporaryDirectory) throws -> HTTPDriver {
    try HTTPDriver(connector: connector, statePath: directory.appending("state-\(UUID().uuidString).sqlite"))
}
