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
        let connector = """
            # The demo's CRM contacts API (the fake CRM, served by `tandem demo` on loopback);
            # the same shape as examples/connectors/crm-contacts.toml.
            object = "contacts"
            base_url = "\(api.baseURL)"
            retry_base_ms = 50
            retry_max_ms = 1000
            requests_per_second = 100
            burst = 20

            [requests]
            list = "GET /crm/v3/objects/contacts"
            get = "GET /crm/v3/objects/contacts/{id}"
            create = "POST /crm/v3/objects/contacts"
            update = "PATCH /crm/v3/objects/contacts/{id}"
            delete = "DELETE /crm/v3/objects/contacts/{id}"

            [list]
            items = "results"
            pagination = "cursor"
            next_cursor = "paging.next.after"

            [object_shape]
            id = "id"
            modified = "updatedAt"
            concurrency = "etag"

            [fields]
            email = "properties.email"
            firstname = "properties.firstname"
            \(fields)

            [polling]                      # the backstop for a missed webhook
            interval_ms = 1000
            param = "updatedAfter"

            [webhook]                      # every CRM change arrives here at once
            listen = "127.0.0.1:\(webhookPort)"
            path = "/hooks/crm"
            signature_header = "X-HubSpot-Signature"
            secret_file = "crm-webhook.secret"
            event = "subscriptionType"
            delete_events = ["contact.deletion"]
            id = "objectId"

            """
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
