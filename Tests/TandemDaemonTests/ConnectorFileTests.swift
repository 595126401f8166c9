import Foundation
import TandemAdapterCore
import TandemDaemon
import TandemFakeSaaS
import TandemHTTPAdapter
import Testing

/// The shipped connector files parse into exactly the connectors the fake
/// APIs serve; a bad connector file gives one error naming the file, the
/// line, the key and what is expected; an `[[adapter]]` of kind http reads
/// its connector.
@Suite("HTTP connector files")
struct ConnectorFileTests {
    static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/connectors")

    static func example(_ name: String) throws -> String {
        try String(contentsOf: examples.appendingPathComponent(name), encoding: .utf8)
    }

    @Test("examples/connectors/crm-contacts.toml describes the fake CRM")
    func crmExample() throws {
        let path = Self.examples.appendingPathComponent("crm-contacts.toml").path
        let connector = try HTTPConnectorFile.load(path: path)
        var expected = FakeConnectors.crm(
            baseURL: "http://127.0.0.1:8710", token: .environment("CRM_TOKEN"), pollMillis: 5_000,
            webhook: ("127.0.0.1", 8711, .environment("CRM_WEBHOOK_SECRET")), requestsPerSecond: 10, burst: 10,
            retryBaseMillis: 200)
        expected.retryMaxMillis = 10_000
        #expect(connector == expected)
    }

    @Test("examples/connectors/helpdesk-users.toml describes the fake helpdesk; relative secret files resolve beside it")
    func helpdeskExample() throws {
        let path = Self.examples.appendingPathComponent("helpdesk-users.toml").path
        let connector = try HTTPConnectorFile.load(path: path)
        let directory = Self.examples.standardizedFileURL.path
        var expected = FakeConnectors.helpdesk(
            baseURL: "http://127.0.0.1:8720", pollMillis: 10_000,
            webhook: ("127.0.0.1", 8721, .file(directory + "/helpdesk-webhook.secret")), requestsPerSecond: 10, burst: 10,
            retryBaseMillis: 200)
        expected.auth = .basic(username: "agent@example.com/token", password: .file(directory + "/helpdesk.token"))
        expected.retryMaxMillis = 10_000
        #expect(connector == expected)
    }

    struct Case: Sendable, CustomStringConvertible {
        var replace: String
        var with: String
        var expected: String
        var description: String { expected }
    }

    static let cases: [Case] = [
        Case(replace: "token_env = \"CRM_TOKEN\"", with: "token = \"sk-live-123\"",
             expected: "crm.toml:24: auth.token: secrets are never written in the connector file; name an environment variable (token_env) or a file (token_file)"),
        Case(replace: "pagination = \"cursor\"", with: "pagination = \"scroll\"",
             expected: "crm.toml:37: list.pagination: expected \"cursor\", \"page\" or \"offset\", got \"scroll\""),
        Case(replace: "get = \"GET /crm/v3/objects/contacts/{id}\"", with: "get = \"GET /crm/v3/objects/contacts\"",
             expected: "crm.toml:28: requests.get: the path must hold {id} (the object's key), got \"/crm/v3/objects/contacts\""),
        Case(replace: "update = \"PATCH", with: "update = \"FETCH",
             expected: "crm.toml:30: requests.update: expected \"METHOD /path\" with METHOD one of GET, POST, PUT, PATCH, DELETE, got \"FETCH /crm/v3/objects/contacts/{id}\""),
        Case(replace: "email = \"properties.email\"", with: "email = \"properties..email\"",
             expected: "crm.toml:48: fields.email: expected a JSON path of dotted names such as \"properties.email\", got \"properties..email\""),
        Case(replace: "type = \"date\"", with: "type = \"money\"",
             expected: "crm.toml:52: fields.renewal_date.type: expected text, integer, real, boolean, date, timestamp or array, got \"money\""),
        Case(replace: "base_url = \"http://127.0.0.1:8710\"", with: "base_url = \"ftp://crm\"",
             expected: "crm.toml:14: base_url: expected an http:// or https:// URL, got \"ftp://crm\""),
        Case(replace: "signature_encoding = \"hex\"", with: "signature_encoding = \"rot13\"",
             expected: "crm.toml:64: webhook.signature_encoding: expected \"hex\" or \"base64\", got \"rot13\""),
        Case(replace: "interval_ms = 5000", with: "interval_ms = 0",
             expected: "crm.toml:55: polling.interval_ms: expected 1 or more, got 0"),
        Case(replace: "modified_format = \"iso8601\"", with: "modified_format = \"rfc822\"",
             expected: "crm.toml:44: object_shape.modified_format: expected \"iso8601\", \"millis\" or \"seconds\", got \"rfc822\""),
        Case(replace: "retries = 5", with: "retries = 5\ncolour = \"red\"",
             expected: "crm.toml:19: colour: unknown key; expected one of: object, base_url, timeout_ms, requests_per_second, burst, retries, retry_base_ms, retry_max_ms, auth, requests, list, object_shape, fields, polling, webhook"),
    ]

    @Test("a bad connector file gives file:line: key: what is expected", arguments: cases)
    func badConnector(_ example: Case) throws {
        let text = try Self.example("crm-contacts.toml")
        #expect(text.contains(example.replace))
        let changed = text.replacingOccurrences(of: example.replace, with: example.with)
        do {
            _ = try HTTPConnectorFile.parse(changed, file: "crm.toml", directory: "/tmp")
            Issue.record("expected \(example.expected)")
        } catch {
            #expect(error.description == example.expected)
        }
    }

    @Test("a connector with neither polling nor webhooks is refused")
    func noChangeDetection() throws {
        var text = try Self.example("crm-contacts.toml")
        if let polling = text.range(of: "[polling]") { text = String(text[..<polling.lowerBound]) }
        #expect(throws: ConfigurationError.self) { try HTTPConnectorFile.parse(text, file: "crm.toml", directory: "/tmp") }
        do {
            _ = try HTTPConnectorFile.parse(text, file: "crm.toml", directory: "/tmp")
        } catch {
            #expect(error.description == "crm.toml: no change detection: add [polling], [webhook] or both")
        }
    }

    @Test("an [[adapter]] of kind http reads its connector; its fields must be the connector's")
    func adapterOfKindHTTP() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let directory = fixture.directory
        try FileManager.default.createDirectory(atPath: directory + "/connectors", withIntermediateDirectories: true)
        try Self.example("crm-contacts.toml").write(toFile: directory + "/connectors/crm.toml", atomically: true, encoding: .utf8)
        func node(_ fields: String) -> String {
            """
            [node]
            name = "crm"
            data_dir = "data"
            key_file = "node.key"
            listen = "127.0.0.1:7401"

            [[collection]]
            name = "contacts"
            match_key = "email"

            [[adapter]]
            collection = "contacts"
            kind = "http"
            connector = "connectors/crm.toml"
            fields = { \(fields) }
            """
        }
        do {
            _ = try NodeConfigurationFile.parse(node("email = \"email\", renewal = \"renewal\""), file: "node.toml", directory: directory)
            Issue.record("expected an error for the unknown connector field")
        } catch {
            #expect(error.description.hasPrefix("node.toml:15: adapter[1].fields.renewal: \"renewal\" is not a field of connector "))
            #expect(error.description.hasSuffix("expected one of: email, firstname, lastname, phone, renewal_date"))
        }
        let file = try NodeConfigurationFile.parse(
            node("email = \"email\", renewal = \"renewal_date\""), file: "node.toml", directory: directory)
        guard let adapter = file.adapters.first else {
            Issue.record("no adapter")
            return
        }
        #expect(adapter.kind == .http)
        #expect(adapter.table == "contacts")
        #expect(adapter.key == "id")
        #expect(adapter.connector?.baseURL == "http://127.0.0.1:8710")
        #expect(adapter.database == directory + "/data/http-contacts-contacts.sqlite")
        #expect(adapter.name == "contacts/http/contacts")
    }
}
