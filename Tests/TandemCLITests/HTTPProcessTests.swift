import Foundation
import TandemDaemon
import TandemFakeSaaS
import TandemHTTPAdapter
import TandemTestSupport
import Testing

/// `tandem run` with an http adapter to the fake CRM (a real HTTP server
/// started here) on one node and a SQLite adapter on another: the first
/// sync matches contacts without duplicates, and edits flow both ways.
@Suite("tandem run with an http adapter", .serialized)
struct HTTPProcessTests {
    /// The CRM connector (`FakeConnectorFiles.crm`) pointed at the running
    /// fake, polling every 200 ms, its webhook receiver on `webhookPort`,
    /// with `renewal_date` (a date); `fields` adds lines to its `[fields]`.
    static func connector(baseURL: String, webhookPort: Int, fields: String = "") -> String {
        FakeConnectorFiles.crm(
            baseURL: baseURL, webhookPort: webhookPort, pollMillis: 200,
            fields: "renewal_date = { path = \"properties.renewal_date\", type = \"date\" }\n" + fields)
    }

    @Test("a CRM edit reaches SQLite and a SQLite edit reaches the CRM; no duplicate contact on first sync; bad webhooks counted")
    func crmToSQLite() async throws {
        let crmAPI = try await FakeCRM.start()
        defer { Task { await crmAPI.stop() } }
        crmAPI.createContact(["email": "ada@example.com", "firstname": "Ada", "renewal_date": "2027-01-31"])
        crmAPI.createContact(["email": "grace@example.com", "firstname": "Grace"])

        let crm = try await DaemonNode(name: "crm")
        let support = try await DaemonNode(name: "support")
        defer {
            crm.cleanUp()
            support.cleanUp()
        }
        let webhookPort = try LoopbackSocket.freePort()
        _ = try crm.directory.write("whsec-process", to: "crm-webhook.secret")
        _ = try crm.directory.write(Self.connector(baseURL: crmAPI.baseURL, webhookPort: webhookPort), to: "crm.toml")
        let supportDB = support.directory.appending("support.db")
        try await sqlite3(supportDB, """
            CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT, first_name TEXT, renewal DATE);
            INSERT INTO customers (email, first_name) VALUES ('Ada@Example.com', 'Ada'), ('linus@example.com', 'Linus');
            """)
        let match = "match_key = \"email\""
        try crm.configure(peers: [support], collection: match, extra: """

            [[adapter]]
            collection = "contacts"
            kind = "http"
            connector = "crm.toml"
            fields = { email = "email", first_name = "firstname", renewal = "renewal_date" }

            """)
        try support.configure(peers: [crm], collection: match, extra: """

            [[adapter]]
            collection = "contacts"
            kind = "sqlite"
            database = "support.db"
            table = "customers"
            key = "id"
            fields = { email = "email", first_name = "first_name", renewal = "renewal" }

            """)
        crmAPI.subscribe(url: "http://127.0.0.1:\(webhookPort)/hooks/crm", secret: "whsec-process")
        try crm.start()
        try support.start()

        // First sync: three contacts on each side, Ada once.
        try await eventually("three contacts in the CRM and in SQLite") {
            try await sqlite3(supportDB, "SELECT count(*) FROM customers") == "3" && crmAPI.contacts.count == 3
        }
        #expect(try await sqlite3(supportDB, "SELECT count(*) FROM customers WHERE lower(email) = 'ada@example.com'") == "1")
        #expect(crmAPI.contacts.filter { ($0.fields["email"]?.text ?? "").lowercased() == "ada@example.com" }.count == 1)
        try await eventually("linus in the CRM") { crmAPI.contact(email: "linus@example.com")?.fields["firstname"] == .string("Linus") }

        // The CRM moves Ada's renewal date; support edits Grace's name.
        let ada = try #require(crmAPI.contacts.first { ($0.fields["email"]?.text ?? "").lowercased() == "ada@example.com" })
        crmAPI.editContact(ada.id, ["renewal_date": "2027-06-30"])
        try await sqlite3(supportDB, "UPDATE customers SET first_name = 'Grace H.' WHERE email = 'grace@example.com'")
        try await eventually("each edit on the other system") {
            try await sqlite3(supportDB, "SELECT renewal FROM customers WHERE lower(email) = 'ada@example.com'") == "2027-06-30"
                && crmAPI.contact(email: "grace@example.com")?.fields["firstname"] == .string("Grace H.")
        }

        let report = try await #require(try crm.waitForStatus { $0.adapters?.first?.state == "running" })
        let adapter = try #require(report.adapters?.first)
        #expect(adapter.name == "contacts/http/contacts")

        // A webhook with a wrong signature is refused and counted.
        crmAPI.records.setFaults { $0.badSignature = true }
        crmAPI.editContact(ada.id, ["firstname": "Mallory"])
        try await eventually("the refused webhook counted") {
            crmAPI.webhooks.statuses.contains(401)
        }
        let metrics = try await AdminClient.get("/metrics", from: HostPort(host: "127.0.0.1", port: crm.adminPort), timeoutSeconds: 60)
        let text = String(decoding: metrics.body, as: UTF8.self)
        // Every webhook sent while the fault was on was refused: at least the one of this edit.
        crmAPI.records.setFaults { $0.badSignature = false }
        let prefix = "tandem_http_webhooks_rejected_total{adapter=\"contacts/http/contacts\"} "
        let counted = text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
        #expect((counted ?? 0) >= 1, "\(text)")
        // The edit itself still arrives, by the poll.
        try await eventually("the poll's edit in SQLite") {
            try await sqlite3(supportDB, "SELECT first_name FROM customers WHERE lower(email) = 'ada@example.com'") == "Mallory"
        }
        #expect(await crm.terminate() != nil)
        #expect(await support.terminate() != nil)
    }
}
