import Foundation
import TandemCore
import TandemDaemon
import Testing

@Suite("node configuration file")
struct ConfigurationTests {
    @Test("a complete file parses into settings, relative paths resolved against its directory")
    func complete() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let file = try fixture.parse(fixture.valid)
        #expect(file.node.name == "crm")
        #expect(file.node.dataDirectory == fixture.directory + "/crm-data")
        #expect(file.node.keyFile == fixture.directory + "/node.key")
        #expect(file.node.listen == HostPort(host: "127.0.0.1", port: 7401))
        #expect(file.node.admin == HostPort(host: "127.0.0.1", port: 9401))
        #expect(file.node.maxClockDriftMillis == 250)
        #expect(file.peers == [PeerSettings(
            name: "helpdesk", address: HostPort(host: "127.0.0.1", port: 7402),
            publicKey: try #require(NodeID(hex: fixture.peerKey)))])
        #expect(file.collections == [CollectionSettings(
            name: "contacts", matchKey: "email", fallbackMatchKey: "phone", sets: ["tags"],
            owners: ["renewal_date": "crm"])])
        let adapter = try #require(file.adapters.first)
        #expect(adapter.kind == .sqlite)
        #expect(adapter.database == fixture.directory + "/crm.db")
        #expect(adapter.table == "customers")
        #expect(adapter.key == "id")
        #expect(adapter.fields == ["email": "email", "name": "full_name", "tags": "tags"])
        #expect(adapter.direction(of: "tags") == .in)
        #expect(adapter.direction(of: "email") == .both)
        #expect(adapter.massDeleteShare == 0.5)
        #expect(adapter.massDeleteMinRows == AdapterSettings.defaultMassDeleteMinRows)
        #expect(adapter.pollIntervalMillis == AdapterSettings.defaultPollIntervalMillis)
    }

    @Test("a minimal file gets the documented defaults")
    func defaults() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let file = try fixture.parse("""
            [node]
            name = "relay"
            data_dir = "/var/lib/tandem"
            key_file = "node.key"
            listen = "[::1]:7401"
            """)
        #expect(file.node.dataDirectory == "/var/lib/tandem")
        #expect(file.node.listen == HostPort(host: "::1", port: 7401))
        #expect(file.node.admin == NodeSettings.defaultAdmin)
        #expect(file.node.maxClockDriftMillis == 500)
        #expect(file.peers.isEmpty && file.collections.isEmpty && file.adapters.isEmpty)
        #expect(file.node.parityIntervalMinutes == 60)
        #expect(file.node.auditRetentionDays == 30)
        #expect(file.node.store == .sqlite)
        #expect(file.alerts == AlertSettings())
        #expect(file.alerts.webhook == nil)
        #expect(file.alerts.errorRatePerMinute == 10)
        #expect(file.alerts.minParity == 0.99)
        #expect(file.alerts.cooldownSeconds == 300)
        #expect(file.alerts.checkIntervalSeconds == 10)
        #expect(file.alerts.webhookTimeoutSeconds == 5)
        #expect(file.alerts.webhookRetries == 3)
    }

    @Test("store names SQLite or a PostgreSQL schema")
    func store() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let base = "[node]\nname = \"relay\"\ndata_dir = \"d\"\nkey_file = \"node.key\"\nlisten = \"127.0.0.1:7401\"\n"
        #expect(try fixture.parse(base + "store = \"sqlite\"").node.store == .sqlite)
        let url = "postgres://tandem@db.internal:5432/state?schema=relay"
        #expect(try fixture.parse(base + "store = \"\(url)\"").node.store == .postgres(url: url))
    }

    @Test("parity schedule, audit retention and [alerts] are read")
    func operationsKeys() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let file = try fixture.parse("""
            [node]
            name = "relay"
            data_dir = "data"
            key_file = "node.key"
            listen = "127.0.0.1:7401"
            parity_interval_minutes = 0.5
            audit_retention_days = 0

            [alerts]
            webhook = "http://127.0.0.1:8080/alerts"
            error_rate_per_minute = 0
            min_parity = 1
            cooldown_seconds = 0
            check_interval_seconds = 1
            webhook_timeout_seconds = 2
            webhook_retries = 0
            """)
        #expect(file.node.parityIntervalMinutes == 0.5)
        #expect(file.node.auditRetentionDays == 0)
        #expect(file.alerts == AlertSettings(
            webhook: "http://127.0.0.1:8080/alerts", errorRatePerMinute: 0, minParity: 1, cooldownSeconds: 0,
            checkIntervalSeconds: 1, webhookTimeoutSeconds: 2, webhookRetries: 0))
    }

    @Test("a postgres adapter keeps its URL")
    func postgres() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let text = fixture.valid
            .replacingOccurrences(of: "kind = \"sqlite\"", with: "kind = \"postgres\"")
            .replacingOccurrences(of: "database = \"crm.db\"", with: "database = \"postgres://tandem@localhost/crm\"")
        let file = try fixture.parse(text)
        #expect(file.adapters.first?.database == "postgres://tandem@localhost/crm")
    }

    @Test("load reads a file and names it in errors")
    func load() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let path = fixture.directory + "/node.toml"
        try Data(fixture.valid.utf8).write(to: URL(fileURLWithPath: path))
        let file = try NodeConfigurationFile.load(path: path)
        #expect(file.path == path)
        #expect(file.node.dataDirectory == fixture.directory + "/crm-data")
        let missing = fixture.directory + "/absent.toml"
        #expect(throws: ConfigurationError(file: missing, line: nil, key: "", message: "the configuration file does not exist")) {
            try NodeConfigurationFile.load(path: missing)
        }
    }

    @Test("host:port addresses")
    func addresses() {
        #expect(HostPort(parsing: "db.example:7401") == HostPort(host: "db.example", port: 7401))
        #expect(HostPort(parsing: "[::1]:0") == HostPort(host: "::1", port: 0))
        for bad in ["7401", "host:", ":7401", "host:65536", "host:-1", "::1:7401", "host:7a", "a b:1"] {
            #expect(HostPort(parsing: bad) == nil, "\(bad)")
        }
    }
}
