import Foundation
import TandemDaemon
import TandemFakeSaaS
import TandemHTTPAdapter
import TandemTestSupport
import Testing

/// Scenarios 1 and 3 of docs/scenarios.md on two `tandem run` processes:
/// the fake CRM (a real HTTP server on loopback, started here) through an
/// http adapter on one node, a SQLite table edited with the sqlite3 shell
/// on the other.
@Suite("tandem run: the CRM scenarios", .serialized)
struct ScenarioProcessTests {
    /// The contacts with `email` (trimmed, case folded) in the fake CRM.
    static func contacts(_ api: FakeCRM, email: String) -> [FakeObject] {
        api.contacts.filter { ($0.fields["email"]?.text ?? "").trimmingCharacters(in: .whitespaces).lowercased() == email }
    }

    /// Starts the CRM node's http adapter on `api` with the connector's
    /// `fields`, its webhooks subscribed.
    static func attach(_ node: DaemonNode, to api: FakeCRM, fields: String = "") throws {
        let webhookPort = try LoopbackSocket.freePort()
        _ = try node.directory.write("whsec-scenario", to: "crm-webhook.secret")
        _ = try node.directory.write(
            HTTPProcessTests.connector(baseURL: api.baseURL, webhookPort: webhookPort, fields: fields), to: "crm.toml")
        api.subscribe(url: "http://127.0.0.1:\(webhookPort)/hooks/crm", secret: "whsec-scenario")
    }

    @Test("scenario 1: contacts match by email with no duplicate; a renewal date moved in the CRM reaches the support tool's row")
    func crmSupport() async throws {
        let api = try await FakeCRM.start()
        defer { Task { await api.stop() } }
        api.createContact(["email": "ada@example.com", "firstname": "Ada", "renewal_date": "2027-01-31"])
        api.createContact(["email": "grace@example.com", "firstname": "Grace", "renewal_date": "2027-03-15"])
        api.createContact(["email": "alan@example.com", "firstname": "Alan"])

        let crm = try await DaemonNode(name: "crm")
        let support = try await DaemonNode(name: "support")
        defer {
            crm.cleanUp()
            support.cleanUp()
        }
        try Self.attach(crm, to: api)
        let supportDB = support.directory.appending("support.db")
        try await sqlite3(supportDB, """
            CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT, first_name TEXT, renewal DATE, open_tickets INTEGER DEFAULT 0);
            INSERT INTO customers (email, first_name, renewal, open_tickets) VALUES
                ('Ada@Example.com', 'Ada', '2027-01-31', 2), (' grace@example.com', 'Grace', '2027-03-15', 0),
                ('margaret@example.com', 'Margaret', NULL, 1);
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
        try crm.start()
        try support.start()

        // First sync: four contacts on each side, one per email.
        let emails = ["ada@example.com", "alan@example.com", "grace@example.com", "margaret@example.com"]
        try await eventually("four contacts in the CRM and in the support tool", within: 120) {
            try await sqlite3(supportDB, "SELECT count(*) FROM customers") == "4" && api.contacts.count == 4
        }
        #expect(try await sqlite3(supportDB, "SELECT lower(trim(email)) FROM customers ORDER BY 1")
            == emails.joined(separator: "\n"))
        for email in emails { #expect(Self.contacts(api, email: email).count == 1, "\(email): \(api.contacts)") }
        #expect(try await sqlite3(supportDB, "SELECT open_tickets FROM customers WHERE lower(email) = 'ada@example.com'") == "2")
        try await eventually("Margaret's name in the CRM") {
            Self.contacts(api, email: "margaret@example.com").first?.fields["firstname"] == .string("Margaret")
        }

        // The customer success manager moves Ada's renewal date in the CRM.
        let ada = try #require(Self.contacts(api, email: "ada@example.com").first)
        api.editContact(ada.id, ["renewal_date": "2027-06-30"])
        try await eventually("the renewal date in the support tool's row", within: 120) {
            try await sqlite3(supportDB, "SELECT renewal FROM customers WHERE lower(email) = 'ada@example.com'") == "2027-06-30"
        }
        #expect(api.records.object(ada.id)?.fields["renewal_date"] == .string("2027-06-30"))
        // Still one contact per email on each side, the other dates unchanged.
        #expect(try await sqlite3(supportDB, "SELECT count(*) FROM customers") == "4")
        #expect(api.contacts.count == 4)
        #expect(try await sqlite3(supportDB, "SELECT renewal FROM customers WHERE lower(trim(email)) = 'grace@example.com'") == "2027-03-15")
        #expect(await crm.terminate() != nil)
        #expect(await support.terminate() != nil)
    }

    @Test("scenario 3: billing's address correction reaches the CRM; a stale CRM edit of the address is refused by ownership, reported and set back")
    func billingCRM() async throws {
        let api = try await FakeCRM.start()
        defer { Task { await api.stop() } }
        // The CRM knows both customers, without their billing addresses.
        api.createContact(["email": "ada@example.com", "firstname": "Ada"])
        api.createContact(["email": "grace@example.com", "firstname": "Grace"])

        let billing = try await DaemonNode(name: "billing")
        let crm = try await DaemonNode(name: "crm")
        defer {
            billing.cleanUp()
            crm.cleanUp()
        }
        try Self.attach(crm, to: api, fields: """
            address = "properties.address"
            city = "properties.city"
            zip = "properties.zip"
            """)
        let billingDB = billing.directory.appending("billing.db")
        try await sqlite3(billingDB, """
            CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, street TEXT, city TEXT, postcode TEXT, balance_cents INTEGER);
            INSERT INTO accounts (email, name, street, city, postcode, balance_cents) VALUES
                ('ada@example.com', 'Ada', '12 Hanover Sq', 'London', 'W1S 1HP', 12000),
                ('grace@example.com', 'Grace', '1 Navy Yard', 'Arlington', '22202', 0);
            """)
        let collection = """
            match_key = "email"
            owners = { street = "billing", city = "billing", postcode = "billing" }
            """
        try billing.configure(peers: [crm], collection: collection, extra: """

            [[adapter]]
            collection = "contacts"
            kind = "sqlite"
            database = "billing.db"
            table = "accounts"
            key = "id"
            fields = { email = "email", name = "name", street = "street", city = "city", postcode = "postcode" }

            """)
        try crm.configure(peers: [billing], collection: collection, extra: """

            [[adapter]]
            collection = "contacts"
            kind = "http"
            connector = "crm.toml"
            fields = { email = "email", name = "firstname", street = "address", city = "city", postcode = "zip" }

            """)
        try billing.start()
        try crm.start()

        func crmAddress(_ email: String) -> [String] {
            Self.contacts(api, email: email).map { contact in
                ["address", "city", "zip"].map { contact.fields[$0]?.text ?? "-" }.joined(separator: "|")
            }
        }
        // First sync: billing's addresses in the CRM, one contact per email,
        // and nothing refused (the CRM's rows did not carry addresses).
        try await eventually("billing's addresses in the CRM", within: 120) {
            crmAddress("ada@example.com") == ["12 Hanover Sq|London|W1S 1HP"] && crmAddress("grace@example.com") == ["1 Navy Yard|Arlington|22202"]
        }
        #expect(api.contacts.count == 2)
        #expect(try await sqlite3(billingDB, "SELECT count(*) FROM accounts") == "2")
        let synced = try #require(try await crm.waitForStatus { $0.adapters?.first?.state == "running" })
        #expect(synced.adapters?.first?.issues["not_owner"] == nil, "\(String(describing: synced.adapters))")

        // Accounting corrects Ada's billing address in billing.
        try await sqlite3(billingDB, "UPDATE accounts SET street = '12 Hanover Square', postcode = 'W1S 1JJ' WHERE email = 'ada@example.com'")
        try await eventually("the correction in the CRM", within: 120) {
            crmAddress("ada@example.com") == ["12 Hanover Square|London|W1S 1JJ"]
        }

        // Someone in the CRM, with a stale copy, sets the old street again.
        let ada = try #require(Self.contacts(api, email: "ada@example.com").first)
        api.editContact(ada.id, ["address": "12 Hanover Sq"])
        _ = try #require(
            try await crm.waitForStatus(seconds: 120) { ($0.adapters?.first?.issues["not_owner"] ?? 0) >= 1 },
            "the crm node's status never reported the refusal")
        let audit = try await TandemExecutable.run(["audit", "--config", crm.configPath, "--json"])
        try #require(audit.status == 0, "audit: \(audit.stderr)")
        let events = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
        let refusals = events.filter {
            ($0["kind"] as? String) == "adapter-error" && ($0["detail"] as? String)?.contains("row \(ada.id): field street is owned by node") == true
        }
        #expect(!refusals.isEmpty, "\(events)")
        // Not applied: the CRM is set back to billing's value, billing keeps it.
        try await eventually("the CRM's contact set back", within: 120) {
            crmAddress("ada@example.com") == ["12 Hanover Square|London|W1S 1JJ"]
        }
        #expect(try await sqlite3(billingDB, "SELECT street, city, postcode FROM accounts WHERE email = 'ada@example.com'")
            == "12 Hanover Square|London|W1S 1JJ")
        #expect(api.contacts.count == 2)
        #expect(await billing.terminate() != nil)
        #expect(await crm.terminate() != nil)
    }
}
