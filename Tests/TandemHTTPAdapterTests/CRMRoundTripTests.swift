import Foundation
import TandemAdapterCore
import TandemAdapters
import TandemFakeSaaS
import TandemHTTPAdapter
import TandemTestSupport
import Testing

/// The fake CRM through the HTTP adapter on one node, a SQLite table on
/// another: first sync, edits both ways, echo silence.
@Suite("CRM (HTTP) to SQLite through two nodes")
struct CRMRoundTripTests {
    @Test("first sync matches contacts by email: no duplicate on either side")
    func firstSyncMatches() async throws {
        let pair = try await CRMSupportPair.start(
            "first-sync",
            seedCRM: { crm in
                crm.createContact(["email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace", "renewal_date": "2027-01-31"])
                crm.createContact(["email": "bob@example.com", "firstname": "Bob"])
            },
            seedSupport: """
                INSERT INTO customers (email, first_name, last_name) VALUES (' ADA@example.com', 'Ada', 'Lovelace');
                INSERT INTO customers (email, first_name) VALUES ('carol@example.com', 'Carol');
                """)
        defer { Task { await pair.stop() } }
        do {
            try await eventually("three contacts on both sides") {
                try await pair.sql("SELECT count(*) FROM customers") == "3" && pair.crm.contacts.count == 3
            }
        } catch {
            let crm = await pair.crmSide.status(), support = await pair.supportSide.status()
            Issue.record("""
                SQLite: \(try await pair.sql("SELECT group_concat(email, ',') FROM customers")); \
                CRM: \(pair.crm.contacts.map { $0.fields["email"]?.text ?? "-" }); \
                CRM requests: \(pair.crm.records.requests.map { "\($0.method) \($0.path)" }); \
                CRM adapter: \(crm); support adapter: \(support); driver: \(pair.driver.stats)
                """)
            throw error
        }
        try await eventually("bob in SQLite, carol in the CRM") {
            try await pair.sql("SELECT first_name FROM customers WHERE email = 'bob@example.com'") == "Bob"
                && pair.crm.contact(email: "carol@example.com")?.fields["firstname"] == .string("Carol")
        }
        #expect(try await pair.sql("SELECT count(*) FROM customers WHERE lower(trim(email)) = 'ada@example.com'") == "1")
        #expect(pair.crm.contacts.filter { ($0.fields["email"]?.text ?? "").lowercased().contains("ada@") }.count == 1)
        // Both imports carry the earliest edit time, so the renewal date (a
        // value in the CRM, NULL in SQLite) is one of the two, the same on both sides.
        try await eventually("the same renewal date on both sides") {
            let crmAda = pair.crm.contacts.first { ($0.fields["email"]?.text ?? "").lowercased().contains("ada@") }
            return try await pair.sql("SELECT coalesce(renewal, '') FROM customers WHERE lower(trim(email)) = 'ada@example.com'")
                == (crmAda?.fields["renewal_date"]?.text ?? "")
        }
    }

    @Test("an edit in the CRM reaches SQLite, an edit in SQLite reaches the CRM, and each makes one write")
    func editsBothWays() async throws {
        let pair = try await CRMSupportPair.start(
            "edits", seedCRM: { $0.createContact(["email": "ada@example.com", "firstname": "Ada", "renewal_date": "2027-01-31"]) })
        defer { Task { await pair.stop() } }
        try await eventually("ada in SQLite") { try await pair.sql("SELECT count(*) FROM customers") == "1" }
        guard let ada = pair.crm.contact(email: "ada@example.com") else { throw Timeout(what: "ada in the CRM") }

        // The customer success manager moves the renewal date in the CRM.
        pair.crm.editContact(ada.id, ["renewal_date": "2027-06-30"])
        try await eventually("the new renewal date in SQLite") {
            try await pair.sql("SELECT renewal FROM customers") == "2027-06-30"
        }

        // Support corrects the phone number in its tool.
        let patchesBefore = pair.crm.records.requests.filter { $0.method == "PATCH" }.count
        try await pair.sql("UPDATE customers SET phone = '+44 20 7946 0000' WHERE email = 'ada@example.com';")
        try await eventually("the phone in the CRM") {
            pair.crm.contact(email: "ada@example.com")?.fields["phone"] == .string("+44 20 7946 0000")
        }
        // Quiet: the CRM's webhook and the next polls of the adapter's own
        // write are echoes, not new edits.
        let pollsBefore = pair.driver.stats.polls
        try await eventually("the echo recognised, two more polls, both adapters idle") {
            let crm = await pair.crmSide.status(), support = await pair.supportSide.status()
            return pair.driver.stats.echoes >= 1 && pair.driver.stats.polls >= pollsBefore + 2 && crm.idle && support.idle
        }
        #expect(pair.crm.records.requests.filter { $0.method == "PATCH" }.count == patchesBefore + 1)
        let read = try await pair.driver.changes(after: await pair.crmSide.status().capturedThrough, limit: 10)
        #expect(read.changes.isEmpty)

        // A delete in the CRM deletes the row.
        pair.crm.deleteContact(ada.id)
        try await eventually("the row deleted") { try await pair.sql("SELECT count(*) FROM customers") == "0" }
    }

    @Test("without webhooks, polling alone carries CRM edits")
    func pollingOnly() async throws {
        let pair = try await CRMSupportPair.start(
            "polling", seedCRM: { $0.createContact(["email": "ada@example.com", "firstname": "Ada"]) }, webhooks: false)
        defer { Task { await pair.stop() } }
        try await eventually("ada in SQLite") { try await pair.sql("SELECT count(*) FROM customers") == "1" }
        guard let ada = pair.crm.contact(email: "ada@example.com") else { throw Timeout(what: "ada in the CRM") }
        pair.crm.editContact(ada.id, ["lastname": "King"])
        try await eventually("the poll's edit in SQLite") { try await pair.sql("SELECT last_name FROM customers") == "King" }
        pair.crm.createContact(["email": "dan@example.com", "firstname": "Dan"])
        try await eventually("the new contact in SQLite") {
            try await pair.sql("SELECT first_name FROM customers WHERE email = 'dan@example.com'") == "Dan"
        }
        #expect(pair.driver.stats.webhooksAccepted == 0)
    }
}
