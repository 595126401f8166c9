import Foundation
import TandemFakeSaaS
import TandemHTTPAdapter

/// The CRM of the crm-support and billing-crm demos: the fake CRM contacts
/// API (TandemFakeSaaS, HubSpot's shape) served on loopback by the demo
/// process itself, its connector file and webhook secret in the demo
/// folder, and its webhooks sent to the connector's receiver.
struct DemoCRM {
    let api: FakeCRM
    /// The connector file's name in the demo folder.
    static let connectorFile = "crm-contacts.toml"

    /// Starts the API with `contacts` in it, and writes a connector mapping
    /// `email` and `firstname`, then the `fields` lines (TOML of its
    /// `[fields]` table, e.g. `city = "properties.city"`).
    static func start(in directory: String, contacts: [[String: String]], fields: String) async throws -> DemoCRM {
        let webhookPort = try DemoFiles.freePort()
        let api = try await FakeCRM.start()
        for contact in contacts { api.createContact(contact) }
        let secret = "whsec-demo-\(UInt64.random(in: 1...UInt64.max))"
        let secretPath = "\(directory)/crm-webhook.secret"
        guard FileManager.default.createFile(
            atPath: secretPath, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
            await api.stop()
            throw CommandFailure("cannot write \(secretPath)")
        }
        // The demo's CRM contacts API (the fake CRM, served by `tandem demo`
        // on loopback), in the shape of examples/connectors/crm-contacts.toml.
        let connector = FakeConnectorFiles.crm(baseURL: api.baseURL, webhookPort: webhookPort, pollMillis: 1_000, fields: fields)
        do {
            try Data(connector.utf8).write(to: URL(fileURLWithPath: "\(directory)/\(connectorFile)"))
        } catch {
            await api.stop()
            throw error
        }
        api.subscribe(url: "http://127.0.0.1:\(webhookPort)/hooks/crm", secret: secret)
        return DemoCRM(api: api)
    }

    func stop() async { await api.stop() }

    /// Starts the CRM (`start`), runs `body` with it, and stops it however
    /// `body` ends.
    static func serving<T>(
        in directory: String, contacts: [[String: String]], fields: String, _ body: (DemoCRM) async throws -> T
    ) async throws -> T {
        let crm = try await start(in: directory, contacts: contacts, fields: fields)
        do {
            let result = try await body(crm)
            await crm.stop()
            return result
        } catch {
            await crm.stop()
            throw error
        }
    }

    /// A property of every contact whose email is `email` (trimmed, case
    /// folded), as text ("" for none).
    func values(_ property: String, email: String) -> [String] {
        contacts(email: email).map { $0.fields[property]?.text ?? "" }
    }

    /// The contacts whose email is `email` (trimmed, case folded).
    func contacts(email: String) -> [FakeObject] {
        api.contacts.filter { Self.folded($0.fields["email"]?.text ?? "") == Self.folded(email) }
    }

    /// Whether no two contacts share an email.
    var emailsAreUnique: Bool {
        let emails = api.contacts.map { Self.folded($0.fields["email"]?.text ?? "") }
        return Set(emails).count == emails.count
    }

    static func folded(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces).lowercased() }

    /// The contacts, one line each: id, then `properties` (missing as "-"), by email.
    func lines(_ properties: [String]) -> [String] {
        api.contacts.sorted { Self.folded($0.fields["email"]?.text ?? "") < Self.folded($1.fields["email"]?.text ?? "") }.map { contact in
            (["\(contact.id)"] + properties.map { contact.fields[$0]?.text ?? "-" }).joined(separator: " | ")
        }
    }

    /// How a user edits a contact from a shell while the demo runs.
    func curlExample(id: Int, _ property: String, _ value: String) -> String {
        "curl -X PATCH \(api.baseURL)/crm/v3/objects/contacts/\(id) -H 'Content-Type: application/json' "
            + "-d '{\"properties\": {\"\(property)\": \"\(value)\"}}'"
    }
}
