import Foundation
import TandemDaemon
import TandemTestSupport
import Testing

/// Three `tandem run` processes in a line, crm ↔ relay ↔ helpdesk: the
/// relay has no adapter and only stores and forwards, so every edit at one
/// end reaches the other through it. Each end still lists the other as a
/// `[[peer]]` (only listed keys are trusted as origins), at an address where
/// nothing listens, as for an end it cannot reach: its dials fail and
/// changes travel through the relay.
@Suite("three tandem run processes in a line", .serialized)
struct ThreeNodeProcessTests {
    static let match = "match_key = \"email\""

    /// The three nodes' reports once they hold equal records and state
    /// digests for `contacts`, with nothing behind on the relay's links.
    static func converged(_ nodes: [DaemonNode]) async throws -> [StatusReport]? {
        var reports: [StatusReport] = []
        for node in nodes {
            guard let report = try await node.status() else { return nil }
            reports.append(report)
        }
        let digests = Set(reports.compactMap { $0.collections.first { $0.name == "contacts" }?.stateDigest })
        // The relay (the middle node) with each end, both ways.
        let links = reports[1].peers + [reports[0], reports[2]].flatMap { $0.peers.filter { $0.name == nodes[1].name } }
        let caughtUp = links.allSatisfy { $0.connected && $0.deltasBehind == 0 }
        return digests.count == 1 && caughtUp ? reports : nil
    }

    /// A `[[peer]]` for `node` at a loopback port where nothing listens.
    static func unreachable(_ node: DaemonNode) throws -> String {
        """

        [[peer]]
        name = "\(node.name)"
        address = "127.0.0.1:\(try LoopbackSocket.freePort())"
        public_key = "\(node.nodeID)"

        """
    }

    @Test("sqlite3 edits at either end reach the other through a relay; status, metrics, audit, conflicts and restore")
    func lineOfThree() async throws {
        let crm = try await DaemonNode(name: "crm")
        let relay = try await DaemonNode(name: "relay")
        let helpdesk = try await DaemonNode(name: "helpdesk")
        defer {
            crm.cleanUp()
            relay.cleanUp()
            helpdesk.cleanUp()
        }
        let crmDB = crm.directory.appending("crm.db")
        let helpdeskDB = helpdesk.directory.appending("helpdesk.db")
        try await sqlite3(crmDB, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, full_name TEXT, phone TEXT);
            INSERT INTO customers (email, full_name, phone) VALUES
                ('ada@example.com', 'Ada Lovelace', '100'), ('grace@example.com', 'Grace Hopper', '200');
            """)
        try await sqlite3(helpdeskDB, """
            CREATE TABLE contacts (contact_id INTEGER PRIMARY KEY AUTOINCREMENT, mail TEXT, name TEXT, tel TEXT);
            INSERT INTO contacts (mail, name, tel) VALUES ('ada@example.com', 'Ada Lovelace', '100'),
                ('barbara@example.com', 'Barbara Liskov', '500');
            """)
        try crm.configure(peers: [relay], collection: Self.match, extra: AdapterProcessTests.crmAdapter + Self.unreachable(helpdesk))
        try relay.configure(peers: [crm, helpdesk], collection: Self.match)
        try helpdesk.configure(
            peers: [relay], collection: Self.match, extra: AdapterProcessTests.helpdeskAdapter + Self.unreachable(crm))
        try relay.start()
        try crm.start()
        try helpdesk.start()

        // First attach: three customers at both ends, Ada once (matched by email).
        try await eventually("both tables hold the three customers") {
            guard try await sqlite3(crmDB, "SELECT count(*) FROM customers") == "3" else { return false }
            return try await sqlite3(helpdeskDB, "SELECT count(*) FROM contacts") == "3"
        }
        try await sqlite3(crmDB, "UPDATE customers SET phone = '201' WHERE email = 'grace@example.com'")
        try await sqlite3(helpdeskDB, "INSERT INTO contacts (mail, name, tel) VALUES ('linus@example.com', 'Linus', '600')")
        try await eventually("each edit at the other end") {
            guard try await sqlite3(helpdeskDB, "SELECT tel FROM contacts WHERE mail = 'grace@example.com'") == "201" else { return false }
            return try await sqlite3(crmDB, "SELECT full_name FROM customers WHERE email = 'linus@example.com'") == "Linus"
        }

        // Status: the relay has two peers, no adapter, and the same records.
        var reports: [StatusReport]?
        try await eventually("equal state digests on the three nodes, nothing behind") {
            reports = try await Self.converged([crm, relay, helpdesk])
            return reports != nil
        }
        let relayReport = try #require(reports?[1])
        #expect(relayReport.node.name == "relay")
        #expect(relayReport.peers.map(\.name).sorted() == ["crm", "helpdesk"])
        #expect(relayReport.adapters == [])
        #expect(relayReport.collections.first { $0.name == "contacts" }?.records == 4)
        #expect(relayReport.health.deltasReceived >= 2)
        #expect(relayReport.health.conflicts == nil)
        #expect(reports?[0].peers.first { $0.name == "helpdesk" }?.connected == false, "crm cannot reach helpdesk directly")
        let metrics = try await AdminClient.get("/metrics", from: HostPort(host: "127.0.0.1", port: relay.adminPort), timeoutSeconds: 60)
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains("tandem_peers_connected 2"), "\(text)")
        #expect(text.contains("tandem_peer_connected{peer=\"helpdesk\"} 1"), "\(text)")
        #expect(!text.contains("tandem_adapter_captured_total"))
        // The relay's audit: both ends' batches applied there.
        let audit = try await TandemExecutable.run(["audit", "--config", relay.configPath, "--json"])
        #expect(audit.status == 0, "\(audit.stderr)")
        let events = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
        let appliedFrom = Set(events.filter { $0["kind"] as? String == "remote-apply" }.compactMap { $0["node_name"] as? String })
        #expect(appliedFrom == ["crm", "helpdesk"], "\(audit.stdout)")

        // A conflict: crm stopped, both ends edit Linus's phone, crm back.
        #expect(await crm.terminate()?.status == 0)
        try await sqlite3(crmDB, "UPDATE customers SET phone = '601' WHERE email = 'linus@example.com'")
        try await Task.sleep(for: .milliseconds(20))  // a later edit time (ms precision), not synchronisation
        try await sqlite3(helpdeskDB, "UPDATE contacts SET tel = '602' WHERE mail = 'linus@example.com'")
        try await eventually("the helpdesk's edit at the relay") {
            let relayDigest = try await relay.status()?.collections.first { $0.name == "contacts" }?.stateDigest
            guard let helpdeskReport = try await helpdesk.status() else { return false }
            return relayDigest == helpdeskReport.collections.first { $0.name == "contacts" }?.stateDigest
                && (helpdeskReport.adapters?.first?.captured ?? 0) >= 2
        }
        try crm.start()
        try await eventually("the later phone at both ends") {
            guard try await sqlite3(crmDB, "SELECT phone FROM customers WHERE email = 'linus@example.com'") == "602" else { return false }
            return try await sqlite3(helpdeskDB, "SELECT tel FROM contacts WHERE mail = 'linus@example.com'") == "602"
        }
        var eventID: Int?
        try await eventually("the conflict listed on crm") {
            let conflicts = try await TandemExecutable.run(["conflicts", "--config", crm.configPath, "--json"])
            guard conflicts.status == 0,
                  let list = try JSONSerialization.jsonObject(with: Data(conflicts.stdout.utf8)) as? [[String: Any]]
            else { return false }
            eventID = list.first {
                $0["record"] as? String == "email:linus@example.com" && ($0["loser"] as? String)?.contains("601") == true
            }?["id"] as? Int
            return eventID != nil
        }
        let id = try #require(eventID)
        let restore = try await TandemExecutable.run(["restore", "--config", crm.configPath, "--event", "\(id)"])
        #expect(restore.status == 0, "\(restore.stderr)")
        try await eventually("the restored loser at both ends, through the relay") {
            guard try await sqlite3(crmDB, "SELECT phone FROM customers WHERE email = 'linus@example.com'") == "601" else { return false }
            return try await sqlite3(helpdeskDB, "SELECT tel FROM contacts WHERE mail = 'linus@example.com'") == "601"
        }
        try await eventually("the three nodes equal again") { try await Self.converged([crm, relay, helpdesk]) != nil }

        for node in [crm, helpdesk, relay] {
            let stopped = await node.terminate()
            #expect(stopped?.status == 0, "\(node.name): \(stopped?.lines.suffix(5) ?? [])")
        }
    }

    @Test("a PostgreSQL table edited with psql and a SQLite table converge through a relay")
    func lineWithPostgres() async throws {
        try await PostgresServer.withServer { server in
            let url = try await server.createDatabase("billing")
            try await server.psql(database: "billing", sql: """
                CREATE TABLE accounts (id serial PRIMARY KEY, email text, holder varchar(80), phone text);
                INSERT INTO accounts (email, holder, phone) VALUES ('ada@example.com', 'Ada Lovelace', '100');
                """)
            let crm = try await DaemonNode(name: "crm")
            let relay = try await DaemonNode(name: "relay")
            let billing = try await DaemonNode(name: "billing")
            defer {
                crm.cleanUp()
                relay.cleanUp()
                billing.cleanUp()
            }
            let crmDB = crm.directory.appending("crm.db")
            try await sqlite3(crmDB, """
                PRAGMA journal_mode=WAL;
                CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, full_name TEXT, phone TEXT);
                INSERT INTO customers (email, full_name, phone) VALUES ('grace@example.com', 'Grace Hopper', '200');
                """)
            try crm.configure(peers: [relay], collection: Self.match, extra: AdapterProcessTests.crmAdapter + Self.unreachable(billing))
            try relay.configure(peers: [crm, billing], collection: Self.match)
            try billing.configure(peers: [relay], collection: Self.match, extra: Self.unreachable(crm) + """

                [[adapter]]
                collection = "contacts"
                kind = "postgres"
                database = "\(url)"
                table = "public.accounts"
                key = "id"
                [adapter.fields]
                email = "email"
                name = "holder"
                phone = "phone"

                """)
            try relay.start()
            try crm.start()
            try billing.start()
            func billingQuery(_ sql: String) async throws -> String {
                try await server.psql(database: "billing", sql: sql).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            try await eventually("both customers at both ends") {
                guard try await billingQuery("SELECT count(*) FROM accounts") == "2" else { return false }
                return try await sqlite3(crmDB, "SELECT count(*) FROM customers") == "2"
            }
            try await server.psql(database: "billing", sql: "UPDATE accounts SET phone = '101' WHERE email = 'ada@example.com'")
            try await sqlite3(crmDB, "UPDATE customers SET full_name = 'Rear Admiral Grace Hopper' WHERE email = 'grace@example.com'")
            try await eventually("each edit at the other end") {
                guard try await sqlite3(crmDB, "SELECT phone FROM customers WHERE email = 'ada@example.com'") == "101" else { return false }
                return try await billingQuery("SELECT holder FROM accounts WHERE email = 'grace@example.com'") == "Rear Admiral Grace Hopper"
            }
            try await eventually("equal state digests on the three nodes") { try await Self.converged([crm, relay, billing]) != nil }
            let report = try await #require(try billing.status())
            #expect(report.adapters?.first?.name == "contacts/postgres/public.accounts")
            for node in [crm, billing, relay] { #expect(await node.terminate()?.status == 0, "\(node.name)") }
        }
    }
}
