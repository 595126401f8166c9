import Foundation
import TandemDaemon
import Testing

/// Each bad file gives one error naming the file, the line, the key and
/// what is expected. Line numbers refer to `ConfigurationFixture.valid`.
@Suite("node configuration errors")
struct ConfigurationErrorTests {
    /// A change to the valid file, and the exact error it must give.
    struct Case: Sendable, CustomStringConvertible {
        var replace: String
        var with: String
        var expected: String
        var description: String { expected }
    }

    static let cases: [Case] = [
        Case(replace: "listen = \"127.0.0.1:7401\"", with: "listen = \"nowhere\"",
             expected: "node.toml:5: node.listen: expected host:port (such as 127.0.0.1:7401), got \"nowhere\""),
        Case(replace: "listen = \"127.0.0.1:7401\"\n", with: "",
             expected: "node.toml:1: node: missing key `listen` (an address, host:port)"),
        Case(replace: "max_clock_drift_ms = 250", with: "max_clock_drift_ms = \"fast\"",
             expected: "node.toml:7: node.max_clock_drift_ms: expected an integer, got a string"),
        Case(replace: "max_clock_drift_ms = 250", with: "max_clock_drift_ms = -1",
             expected: "node.toml:7: node.max_clock_drift_ms: expected milliseconds, 0 or more; got -1"),
        Case(replace: "[node]\n", with: "colour = \"red\"\n[node]\n",
             expected: "node.toml:1: colour: unknown key; expected one of: [node], [peer], [collection], [adapter], [alerts], [rule]"),
        Case(replace: "name = \"helpdesk\"", with: "name = \"crm\"",
             expected: "node.toml:10: peer[1].name: \"crm\" is this node's own name"),
        Case(replace: "address = \"127.0.0.1:7402\"", with: "address = \"127.0.0.1:7402\"\nport = 7402",
             expected: "node.toml:12: peer[1].port: unknown key; expected one of: name, address, public_key, state_source"),
        Case(replace: "sets = [\"tags\"]", with: "sets = \"tags\"",
             expected: "node.toml:18: collection[1].sets: expected an array of strings, got a string"),
        Case(replace: "match_key = \"email\"\n", with: "",
             expected: "node.toml:16: collection[1].fallback_match_key: is used where match_key is empty: set match_key too"),
        Case(replace: "renewal_date = \"crm\"", with: "renewal_date = \"billing\"",
             expected: "node.toml:19: collection[1].owners.renewal_date: \"billing\" is neither this node nor a [[peer]]; expected one of: crm, helpdesk"),
        Case(replace: "collection = \"contacts\"", with: "collection = \"people\"",
             expected: "node.toml:22: adapter[1].collection: no [[collection]] named \"people\"; expected one of: contacts"),
        Case(replace: "tags = \"in\"\n", with: "tags = \"in\"\n\n[[adapter]]\ncollection = \"contacts\"\nkind = \"sqlite\"\ndatabase = \"other.db\"\ntable = \"customers\"\nkey = \"id\"\n[adapter.fields]\nemail = \"email\"\n",
             expected: "node.toml:39: adapter[2].table: adapter[1] already syncs a sqlite table \"customers\" with collection \"contacts\" (the adapter name contacts/sqlite/customers must be unique on a node)"),
        Case(replace: "kind = \"sqlite\"", with: "kind = \"mysql\"",
             expected: "node.toml:23: adapter[1].kind: expected \"sqlite\", \"postgres\" or \"http\", got \"mysql\""),
        Case(replace: "kind = \"sqlite\"", with: "kind = \"postgres\"",
             expected: "node.toml:24: adapter[1].database: expected a postgres:// or postgresql:// URL for kind \"postgres\", got \"crm.db\""),
        Case(replace: "mass_delete_share = 0.5", with: "mass_delete_share = 1.5",
             expected: "node.toml:27: adapter[1].mass_delete_share: expected a share of the table above 0 and at most 1, got 1.5"),
        Case(replace: "tags = \"in\"", with: "tags = \"sideways\"",
             expected: "node.toml:33: adapter[1].direction.tags: expected \"both\", \"in\" or \"out\", got \"sideways\""),
        Case(replace: "tags = \"in\"", with: "phone = \"in\"",
             expected: "node.toml:33: adapter[1].direction.phone: is not a field of [adapter.fields]"),
        Case(replace: "max_clock_drift_ms = 250", with: "max_clock_drift_ms = 250\nparity_interval_minutes = -5",
             expected: "node.toml:8: node.parity_interval_minutes: expected 0 (off) or minutes from 0.01 to 525600 (a year), got -5.0"),
        Case(replace: "max_clock_drift_ms = 250", with: "max_clock_drift_ms = 250\nstore = \"mysql://db/state\"",
             expected: "node.toml:8: node.store: expected \"sqlite\" or a PostgreSQL URL (postgres://user@host:port/database?schema=name), got \"mysql://db/state\""),
        Case(replace: "max_clock_drift_ms = 250", with: "max_clock_drift_ms = 250\nstore = \"postgres://tandem:hunter2@db/state\"",
             expected: "node.toml:8: node.store: postgres://tandem:***@db/state cannot be opened (bad PostgreSQL store URL: a password in the URL is refused; set PGPASSWORD, or name a variable with password_env=VAR)"),
        Case(replace: "max_clock_drift_ms = 250", with: "max_clock_drift_ms = 250\nstore = \"postgres://tandem@db/state?schema=Relay\"",
             expected: "node.toml:8: node.store: postgres://tandem@db/state?schema=Relay cannot be opened (bad PostgreSQL store URL: schema \"Relay\": only lower-case letters, digits and _ are allowed)"),
        Case(replace: "max_clock_drift_ms = 250", with: "max_clock_drift_ms = 250\naudit_retention_days = 1.5",
             expected: "node.toml:8: node.audit_retention_days: expected an integer, got a number"),
        Case(replace: "tags = \"in\"\n", with: "tags = \"in\"\n\n[alerts]\nwebhook = \"ftp://example.com\"\n",
             expected: "node.toml:36: alerts.webhook: expected an http:// or https:// URL (such as \"http://127.0.0.1:8080/alerts\"), got \"ftp://example.com\""),
        Case(replace: "tags = \"in\"\n", with: "tags = \"in\"\n\n[alerts]\nmin_parity = 2\n",
             expected: "node.toml:36: alerts.min_parity: expected a ratio from 0 (off) to 1, got 2.0"),
        Case(replace: "tags = \"in\"\n", with: "tags = \"in\"\n\n[alerts]\nwebhook_retries = 11\n",
             expected: "node.toml:36: alerts.webhook_retries: expected 0 to 10 further attempts, got 11"),
        Case(replace: "tags = \"in\"\n", with: "tags = \"in\"\n\n[alerts]\npage = \"ops\"\n",
             expected: "node.toml:36: alerts.page: unknown key; expected one of: webhook, error_rate_per_minute, min_parity, cooldown_seconds, check_interval_seconds, webhook_timeout_seconds, webhook_retries, peer_down_seconds"),
    ]

    @Test("a bad value or key names the file, line, key and what is expected", arguments: cases)
    func badValue(_ change: Case) throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        #expect(fixture.valid.contains(change.replace))
        let text = fixture.valid.replacingOccurrences(of: change.replace, with: change.with)
        #expect(fixture.error(text)?.description == change.expected)
    }

    @Test("a bad peer key names the peer's key line")
    func badPeerKey() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let text = fixture.valid.replacingOccurrences(of: fixture.peerKey, with: "abc")
        #expect(fixture.error(text)?.description
            == "node.toml:12: peer[1].public_key: expected 64 hexadecimal digits (the node id `tandem keygen` printed), got \"abc\"")
    }

    @Test("a second peer with a taken name or key is refused at its own line")
    func duplicatePeer() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let sameName = fixture.valid + """

            [[peer]]
            name = "helpdesk"
            address = "127.0.0.1:7403"
            public_key = "\(String(repeating: "ab", count: 32))"
            """
        #expect(fixture.error(sameName)?.description
            == "node.toml:36: peer[2].name: another [[peer]] is already named \"helpdesk\"; names must be unique")
        let sameKey = fixture.valid + """

            [[peer]]
            name = "billing"
            address = "127.0.0.1:7403"
            public_key = "\(fixture.peerKey.uppercased())"
            """
        #expect(fixture.error(sameKey)?.description
            == "node.toml:38: peer[2].public_key: another [[peer]] already has this key; each peer is listed once")
    }

    @Test("a TOML syntax error gives TOMLKit's line")
    func syntax() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let error = try #require(fixture.error("[node]\nname = \"crm\"\nlisten = 127.0.0.1:7401\n"))
        #expect(error.line == 3)
        #expect(error.description.hasPrefix("node.toml:3: not valid TOML: "))
    }

    @Test("a file without [node] says what the section needs")
    func missingNode() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        #expect(fixture.error("[[peer]]\nname = \"x\"\n")?.description
            == "node.toml: node: missing section [node] (name, data_dir, key_file, listen)")
    }

    @Test("a missing key file tells how to make one")
    func missingKeyFile() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let text = fixture.valid.replacingOccurrences(of: "key_file = \"node.key\"", with: "key_file = \"absent.key\"")
        let path = fixture.directory + "/absent.key"
        #expect(fixture.error(text)?.description
            == "node.toml:4: node.key_file: the key file \(path) does not exist (create it with `tandem keygen --output \(path)`)")
    }

    @Test("a key file others can read is refused with the fix")
    func keyFileMode() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let path = fixture.directory + "/node.key"
        #expect(chmod(path, 0o644) == 0)
        #expect(fixture.error(fixture.valid)?.description
            == "node.toml:4: node.key_file: the key file \(path) has mode 644; expected 600, readable by its owner only (chmod 600 \(path))")
    }
}
