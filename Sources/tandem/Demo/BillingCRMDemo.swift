import Foundation
import TandemDaemon
import TandemFakeSaaS
import TandemHTTPAdapter
import TandemStore

/// `tandem demo --scenario billing-crm`: scenario 3 of docs/scenarios.md on
/// two `tandem run` processes. A billing system's `accounts` table (SQLite)
/// on one node, owning the billing address fields; the CRM's contacts API
/// (the fake CRM, served on loopback by the demo) on the other through the
/// http adapter. Accounting corrects an address in billing and the CRM
/// shows it; a stale edit of the address in the CRM is refused by ownership,
/// reported, and set back.
struct BillingCRMDemo {
    let directory: String
    let timeout: Double

    static let billing = DemoSystem(name: "billing", database: "billing.db", table: "accounts", key: "id", columns: [:])
    static let emails = ["ada@example.com", "grace@example.com"]
    /// The billing address fields (canonical name → CRM property).
    static let address = [("street", "address"), ("city", "city"), ("postcode", "zip")]
    static let corrected = (street: "12 Hanover Square", city: "London", postcode: "W1S 1JJ")
    static let stale = "12 Hanover Sq"

    /// Runs the walk-through; returns whether the outcome holds on both systems.
    func run(once: Bool) async throws -> Bool {
        try DemoFiles.prepare(directory)
        try Self.billing.execute("""
            CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, street TEXT, city TEXT, postcode TEXT,
                balance_cents INTEGER DEFAULT 0);
            INSERT INTO accounts (email, name, street, city, postcode, balance_cents) VALUES
                ('ada@example.com', 'Ada', '\(Self.stale)', 'London', 'W1S 1HP', 12000),
                ('grace@example.com', 'Grace', '1 Navy Yard', 'Arlington', '22202', 0);
            """, in: directory)
        // The CRM knows both customers, without their billing addresses:
        // billing owns those and sends them.
        return try await DemoCRM.serving(
            in: directory,
            contacts: [["email": "ada@example.com", "firstname": "Ada"], ["email": "grace@example.com", "firstname": "Grace"]],
            fields: Self.address.map { "\($0.1) = \"properties.\($0.1)\"" }.joined(separator: "\n")) { crm in
            try await walkThrough(crm, once: once)
        }
    }

    func walkThrough(_ crm: DemoCRM, once: Bool) async throws -> Bool {
        let pair = try DemoPair(directory: directory, timeout: timeout, names: "billing", "crm")
        let configs = try writeConfigurations(pair)
        let billingNode = try DemoProcess(name: "billing", config: configs.billing, directory: directory)
        let crmNode = try DemoProcess(name: "crm", config: configs.crm, directory: directory)
        let ada = crm.contacts(email: "ada@example.com").first?.id ?? 0
        let explanation = """
            == Both nodes and the CRM API keep running. Try another stale edit in the CRM, and a correction in billing:

               \(crm.curlExample(id: ada, "city", "Londres"))
               sqlite3 \(directory)/billing.db "UPDATE accounts SET city = 'Arlington, VA' WHERE email = 'grace@example.com'"
               curl \(crm.api.baseURL)/crm/v3/objects/contacts
               tandem status --config \(configs.crm)
               tandem audit --config \(configs.crm)
            """
        return try await pair.session(
            [billingNode, crmNode], once: once,
            verdict: "billing's address everywhere, the CRM's stale edit refused and reported, one contact per email",
            explanation: explanation
        ) {
            print("== 1. A billing system (SQLite) and a CRM (an HTTP API on \(crm.api.baseURL)), folder \(directory)")
            print("   billing.db accounts(id, email, name, street, city, postcode, balance_cents)")
            print("   CRM contacts: properties email, firstname, address, city, zip (crm.toml: kind = \"http\")")
            print("   Both tomls: owners = { street = \"billing\", city = \"billing\", postcode = \"billing\" }")
            print("   Billing owns the address: only the billing node may write it.")
            try show(crm)

            print("\n== 2. Start both nodes (tandem run): the first sync")
            try await pair.start([billingNode, crmNode])
            guard try await pair.waitFor({ try addressEverywhere(crm, street: Self.stale, postcode: "W1S 1HP") }) else {
                print("   the first sync did not finish within \(Int(timeout)) s; see billing.log and crm.log")
                try show(crm)
                return false
            }
            print("   billing's addresses are in the CRM, one contact per email")
            try show(crm)

            print("\n== 3. Accounting corrects Ada's billing address in billing")
            let update = "UPDATE accounts SET street = '\(Self.corrected.street)', postcode = '\(Self.corrected.postcode)' WHERE email = 'ada@example.com'"
            print("   billing.db: \(update)")
            let corrected = ContinuousClock.now
            try Self.billing.execute(update, in: directory)
            guard try await pair.waitFor({ try addressEverywhere(crm, street: Self.corrected.street, postcode: Self.corrected.postcode) }) else {
                print("   the correction did not reach the CRM within \(Int(timeout)) s")
                return false
            }
            print("   the CRM shows it \(DemoPair.millis(since: corrected)) ms after the correction")
            try show(crm)

            print("\n== 4. Someone in the CRM, looking at an old copy, sets Ada's address back to \"\(Self.stale)\"")
            let refusalsBefore = try refusals(configs.crm, contact: ada).count
            crm.api.editContact(ada, ["address": Self.stale])
            let refused = try await pair.waitFor { try refusals(configs.crm, contact: ada).count > refusalsBefore }
            let reported = try refusals(configs.crm, contact: ada).last?.event.detail ?? "nothing reported"
            print(refused ? "   refused by ownership on the crm node (tandem audit --config \(configs.crm)):\n     \(reported)"
                : "   no refusal was reported within \(Int(timeout)) s")
            let setBack = try await pair.waitFor {
                try addressEverywhere(crm, street: Self.corrected.street, postcode: Self.corrected.postcode)
            }
            print(setBack ? "   not applied: the CRM's contact is set back to billing's address" : "   the CRM's contact was not set back")
            try show(crm)
            return refused && setBack
        }
    }

    /// The crm node's audit events refusing an edit of CRM contact `contact`
    /// by ownership (`not_owner`).
    func refusals(_ config: String, contact: Int) throws -> [AuditRecord] {
        let file = try NodeConfigurationFile.load(path: config)
        return try AuditLog.read(file, query: AuditLog.Query()).filter {
            $0.event.kind == .adapterError && $0.event.detail.contains("row \(contact):") && $0.event.detail.contains("is owned by node")
        }
    }

    /// Ada's billing address is `street`, London, `postcode` in billing and
    /// in the CRM; Grace's is the same on both; each side holds one contact
    /// per email.
    func addressEverywhere(_ crm: DemoCRM, street: String, postcode: String) throws -> Bool {
        let rows = try Self.billing.lines("SELECT lower(trim(email)) FROM accounts", in: directory)
        guard rows.sorted() == Self.emails, crm.api.contacts.count == Self.emails.count, crm.emailsAreUnique else { return false }
        let ada = try Self.billing.lines("SELECT street, city, postcode FROM accounts WHERE email = 'ada@example.com'", in: directory)
        guard ada == ["\(street) | London | \(postcode)"] else { return false }
        for email in Self.emails {
            let inBilling = try Self.billing.lines(
                "SELECT street, city, postcode FROM accounts WHERE lower(trim(email)) = '\(email)'", in: directory)
            let inCRM = crm.contacts(email: email).map { contact in
                Self.address.map { contact.fields[$0.1]?.text ?? "-" }.joined(separator: " | ")
            }
            guard inBilling.count == 1, inCRM == inBilling else { return false }
        }
        return true
    }

    /// Both systems' customers.
    func show(_ crm: DemoCRM) throws {
        print("\n   billing.db accounts (id | email | street | city | postcode | balance_cents)")
        for line in try Self.billing.lines("SELECT id, email, street, city, postcode, balance_cents FROM accounts ORDER BY email", in: directory) {
            print("     " + line)
        }
        print("   CRM contacts (id | email | address | city | zip)")
        for line in crm.lines(["email"] + Self.address.map { $0.1 }) { print("     " + line) }
    }

    /// Both configurations; returns their paths.
    func writeConfigurations(_ pair: DemoPair) throws -> (billing: String, crm: String) {
        let collection = """

            [[collection]]
            name = "contacts"
            match_key = "email"
            owners = { street = "billing", city = "billing", postcode = "billing" }

            """
        let billing = try pair.writeConfiguration(
            "billing", comment: "tandem demo (billing-crm): the billing system's node; billing owns the address.",
            body: collection + """

            [[adapter]]
            collection = "contacts"
            kind = "sqlite"
            database = "billing.db"
            table = "accounts"
            key = "id"
            fields = { email = "email", name = "name", street = "street", city = "city", postcode = "postcode" }

            """)
        let crm = try pair.writeConfiguration(
            "crm", comment: "tandem demo (billing-crm): the CRM's node, attached to its contacts API.", body: collection + """

            [[adapter]]
            collection = "contacts"
            kind = "http"
            connector = "\(DemoCRM.connectorFile)"
            fields = { email = "email", name = "firstname", street = "address", city = "city", postcode = "zip" }

            """)
        return (billing, crm)
    }
}
