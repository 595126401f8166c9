import Foundation
import TandemFakeSaaS
import TandemHTTPAdapter

/// `tandem demo --scenario crm-support`: scenario 1 of docs/scenarios.md on
/// two `tandem run` processes. The CRM's contacts API (the fake CRM, served
/// on loopback by the demo) on one node through the http adapter; a support
/// tool's `customers` table (SQLite) on the other. The first sync matches
/// contacts by email with no duplicate; a customer success manager moves a
/// renewal date in the CRM and the support tool's row shows it.
struct CRMSupportDemo {
    let directory: String
    let timeout: Double

    static let support = DemoSystem(name: "support", database: "support.db", table: "customers", key: "id", columns: [:])
    static let emails = ["ada@example.com", "grace@example.com", "alan@example.com", "margaret@example.com"]

    /// Runs the walk-through; returns whether the outcome holds on both systems.
    func run(once: Bool) async throws -> Bool {
        try DemoFiles.prepare(directory)
        try Self.support.execute("""
            CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT, first_name TEXT, renewal DATE,
                open_tickets INTEGER DEFAULT 0);
            INSERT INTO customers (email, first_name, renewal, open_tickets) VALUES
                ('Ada@Example.com', 'Ada', '2027-01-31', 2),
                ('grace@example.com', 'Grace', '2027-03-15', 0),
                ('margaret@example.com', 'Margaret', NULL, 1);
            """, in: directory)
        return try await DemoCRM.serving(
            in: directory,
            contacts: [
                ["email": "ada@example.com", "firstname": "Ada", "renewal_date": "2027-01-31"],
                ["email": "grace@example.com", "firstname": "Grace", "renewal_date": "2027-03-15"],
                ["email": "alan@example.com", "firstname": "Alan", "renewal_date": "2027-05-01"],
            ],
            fields: #"renewal_date = { path = "properties.renewal_date", type = "date" }"#) { crm in
            try await walkThrough(crm, once: once)
        }
    }

    func walkThrough(_ crm: DemoCRM, once: Bool) async throws -> Bool {
        let pair = try DemoPair(directory: directory, timeout: timeout, names: "crm", "support")
        let configs = try writeConfigurations(pair)
        let crmNode = try DemoProcess(name: "crm", config: configs.crm, directory: directory)
        let supportNode = try DemoProcess(name: "support", config: configs.support, directory: directory)
        let ada = crm.contacts(email: "ada@example.com").first?.id ?? 0
        let explanation = """
            == Both nodes and the CRM API keep running. Move another renewal date in the CRM and watch the support tool:

               \(crm.curlExample(id: ada, "renewal_date", "2028-01-31"))
               sqlite3 \(directory)/support.db "SELECT email, first_name, renewal FROM customers"
               sqlite3 \(directory)/support.db "UPDATE customers SET first_name = 'Grace H.' WHERE email = 'grace@example.com'"
               curl \(crm.api.baseURL)/crm/v3/objects/contacts
               tandem status --config \(configs.crm)
            """
        return try await pair.session(
            [crmNode, supportNode], once: once, verdict: "renewal date equal in the CRM and the support tool, one contact per email",
            explanation: explanation
        ) {
            print("== 1. A CRM (an HTTP API on \(crm.api.baseURL)) and a support tool (SQLite), folder \(directory)")
            print("   CRM contacts: properties email, firstname, renewal_date (crm.toml: kind = \"http\", \(DemoCRM.connectorFile))")
            print("   support.db customers(id, email, first_name, renewal, open_tickets)")
            print("   Both know Ada (spelled Ada@Example.com in the support tool) and Grace; only the CRM knows Alan,")
            print("   only the support tool Margaret. Contacts match by email, trimmed and case folded.")
            try show(crm)

            print("\n== 2. Start both nodes (tandem run): the first sync")
            let started = ContinuousClock.now
            try await pair.start([crmNode, supportNode])
            let synced = try await pair.waitFor { try firstSyncHolds(crm) }
            guard synced else {
                print("   the first sync did not finish within \(Int(timeout)) s; see crm.log and support.log")
                try show(crm)
                return false
            }
            print("   four contacts on each side, one per email, \(DemoPair.millis(since: started)) ms after the start")
            try show(crm)

            print("\n== 3. A customer success manager moves Ada's renewal date in the CRM to 2027-06-30")
            let edited = ContinuousClock.now
            crm.api.editContact(ada, ["renewal_date": "2027-06-30"])
            let arrived = try await pair.waitFor { try supportRenewal("ada@example.com") == "2027-06-30" }
            let millis = DemoPair.millis(since: edited)
            print(arrived
                ? "   the support tool's row shows it \(millis) ms after the edit\(millis <= 1000 ? " (goal: within a second)" : " (goal: within a second; the machine is slow)")"
                : "   the support tool's row did not show it within \(Int(timeout)) s")
            try show(crm)
            return try arrived && outcomeHolds(crm)
        }
    }

    /// Every contact on both sides, one per email on each.
    func firstSyncHolds(_ crm: DemoCRM) throws -> Bool {
        let rows = try Self.support.lines("SELECT lower(trim(email)) FROM customers", in: directory)
        return rows.sorted() == Self.emails.sorted() && crm.api.contacts.count == Self.emails.count && crm.emailsAreUnique
    }

    /// Ada's renewal date is 2027-06-30 in the CRM and in the support tool,
    /// every renewal date is equal on both sides, and each side holds one
    /// contact per email.
    func outcomeHolds(_ crm: DemoCRM) throws -> Bool {
        guard try firstSyncHolds(crm), crm.values("renewal_date", email: "ada@example.com") == ["2027-06-30"] else { return false }
        for email in Self.emails {
            let inCRM = crm.values("renewal_date", email: email)
            guard inCRM.count == 1, try (supportRenewal(email) ?? "") == inCRM[0] else { return false }
        }
        return true
    }

    func supportRenewal(_ email: String) throws -> String? {
        try Self.support.value("SELECT renewal FROM customers WHERE lower(trim(email)) = '\(email)'", in: directory)
    }

    /// Both systems' contacts.
    func show(_ crm: DemoCRM) throws {
        print("\n   CRM contacts (id | email | firstname | renewal_date)")
        for line in crm.lines(["email", "firstname", "renewal_date"]) { print("     " + line) }
        print("   support.db customers (id | email | first_name | renewal | open_tickets)")
        for line in try Self.support.lines("SELECT id, email, first_name, renewal, open_tickets FROM customers ORDER BY lower(email)", in: directory) {
            print("     " + line)
        }
    }

    /// Both configurations; returns their paths.
    func writeConfigurations(_ pair: DemoPair) throws -> (crm: String, support: String) {
        let collection = """

            [[collection]]
            name = "contacts"
            match_key = "email"

            """
        let crm = try pair.writeConfiguration(
            "crm", comment: "tandem demo (crm-support): the CRM's node, attached to its contacts API.", body: collection + """

            [[adapter]]
            collection = "contacts"
            kind = "http"
            connector = "\(DemoCRM.connectorFile)"
            fields = { email = "email", first_name = "firstname", renewal = "renewal_date" }

            """)
        let support = try pair.writeConfiguration(
            "support", comment: "tandem demo (crm-support): the support tool's node, attached to its customers table.",
            body: collection + """

            [[adapter]]
            collection = "contacts"
            kind = "sqlite"
            database = "support.db"
            table = "customers"
            key = "id"
            fields = { email = "email", first_name = "first_name", renewal = "renewal" }

            """)
        return (crm, support)
    }
}
