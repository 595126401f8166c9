import Foundation
import TandemAdapterCore
import TandemAdapters
import TandemCore
import TandemCrypto
import TandemFakeSaaS
import TandemHTTPAdapter
import TandemNode
import TandemTestSupport
import Testing

/// The fake helpdesk through the HTTP adapter, with webhooks only (no
/// polling), on one node and a SQLite table on another.
@Suite("helpdesk (HTTP, webhooks only) to SQLite through two nodes")
struct HelpdeskRoundTripTests {
    @Test("users and rows match by email; edits flow both ways through webhooks and version-checked updates")
    func roundTrip() async throws {
        let directory = try TemporaryDirectory("http-helpdesk")
        defer { directory.remove() }
        let helpdesk = try await FakeHelpdesk.start()
        defer { Task { await helpdesk.stop() } }
        let ada = helpdesk.createUser(["email": "ada@example.com", "name": "Ada", "renewal_date": "2027-01-31"])
        for index in 1...4 { helpdesk.createUser(["email": "user\(index)@example.com", "name": "User \(index)"]) }

        let connector = FakeConnectors.helpdesk(
            baseURL: helpdesk.baseURL, pollMillis: nil, webhook: ("127.0.0.1", 0, try secretFile(directory, "zd")), pageSize: 2)
        let driver = try HTTPDriver(connector: connector, statePath: directory.appending("helpdesk-http.sqlite"))
        let members: Set<NodeID> = [HTTPKeys.crm.nodeID, HTTPKeys.support.nodeID]
        let helpdeskSide = try SyncSide(
            keys: HTTPKeys.crm, members: members, directory: directory.appending("helpdesk-store"), mapping: helpdeskMapping(),
            driver: driver, peers: [])
        try await helpdeskSide.start()
        defer { Task { await helpdeskSide.stop() } }
        guard let webhookPort = driver.boundWebhookPort, let port = helpdeskSide.node.boundPort else {
            throw Timeout(what: "the helpdesk side's ports")
        }
        helpdesk.subscribe(url: "http://127.0.0.1:\(webhookPort)/hooks/helpdesk", secret: "zd")
        let database = directory.appending("support.db")
        try await sqlite3(database, supportTable + "INSERT INTO customers (email, first_name) VALUES ('ada@example.com', 'Ada');")
        let supportSide = try SyncSide(
            keys: HTTPKeys.support, members: members, directory: directory.appending("support-store"), mapping: supportMapping(),
            driver: try SQLiteDriver(path: database, table: "customers", keyColumn: "id"),
            peers: [PeerAddress(node: HTTPKeys.crm.nodeID, host: "127.0.0.1", port: port)])
        try await supportSide.start()
        defer { Task { await supportSide.stop() } }

        try await eventually("five users in SQLite, ada once, and no new user in the helpdesk") {
            try await sqlite3(database, "SELECT count(*) FROM customers") == "5" && helpdesk.users.count == 5
        }
        // The helpdesk's UI edit reaches SQLite by its webhook alone.
        helpdesk.editUser(ada.id, ["renewal_date": "2027-09-30", "phone": "+33 1"])
        try await eventually("the webhook's edit in SQLite") {
            try await sqlite3(database, "SELECT renewal || '|' || phone FROM customers WHERE email = 'ada@example.com'") == "2027-09-30|+33 1"
        }
        // A SQLite edit reaches the helpdesk as a PUT carrying the user's version.
        try await sqlite3(database, "UPDATE customers SET first_name = 'Ada Lovelace' WHERE email = 'ada@example.com';")
        try await eventually("the name in the helpdesk") {
            helpdesk.records.object(ada.id)?.fields["name"] == .string("Ada Lovelace")
        }
        #expect(helpdesk.records.object(ada.id)?.fields["user_fields"] == .object(["renewal_date": .string("2027-09-30")]))
        try await eventually("the PUT's webhook recognised as an echo") { driver.stats.echoes >= 1 }
        #expect(driver.stats.polls == 0)
        // A delete in the helpdesk deletes the row.
        helpdesk.deleteUser(ada.id)
        try await eventually("ada's row deleted") {
            try await sqlite3(database, "SELECT count(*) FROM customers WHERE email = 'ada@example.com'") == "0"
        }
    }
}
