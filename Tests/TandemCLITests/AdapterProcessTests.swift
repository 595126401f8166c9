import Foundation
import TandemDaemon
import TandemTestSupport
import Testing

/// Runs SQL through the sqlite3 shell, as another program would.
@discardableResult
func sqlite3(_ path: String, _ sql: String) async throws -> String {
    let result = try await Subprocess.run(URL(fileURLWithPath: "/usr/bin/sqlite3"), ["-bail", "-cmd", ".timeout 10000", path, sql])
    try #require(result.status == 0, "sqlite3 \(sql): \(result.stderr)")
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Two `tandem run` processes, each with a SQLite adapter: a CRM's
/// `customers` and a helpdesk's `contacts`, with different column names.
@Suite("tandem run with adapters", .serialized)
struct AdapterProcessTests {
    static let crmAdapter = """

        [[adapter]]
        collection = "contacts"
        kind = "sqlite"
        database = "crm.db"
        table = "customers"
        key = "id"
        mass_delete_min_rows = 3
        [adapter.fields]
        email = "email"
        name = "full_name"
        phone = "phone"

        """
    static let helpdeskAdapter = """

        [[adapter]]
        collection = "contacts"
        kind = "sqlite"
        database = "helpdesk.db"
        table = "contacts"
        key = "contact_id"
        [adapter.fields]
        email = "mail"
        name = "name"
        phone = "tel"

        """

    /// Creates both databases and configurations (not started).
    static func pair() async throws -> (crm: DaemonNode, helpdesk: DaemonNode, crmDB: String, helpdeskDB: String) {
        let crm = try await DaemonNode(name: "crm")
        let helpdesk = try await DaemonNode(name: "helpdesk")
        let crmDB = crm.directory.appending("crm.db")
        let helpdeskDB = helpdesk.directory.appending("helpdesk.db")
        try await sqlite3(crmDB, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, full_name TEXT, phone TEXT);
            INSERT INTO customers (email, full_name, phone) VALUES
                ('ada@example.com', 'Ada Lovelace', '100'), ('grace@example.com', 'Grace Hopper', '200'),
                ('alan@example.com', 'Alan Turing', '300'), ('edsger@example.com', 'Edsger Dijkstra', '400');
            """)
        try await sqlite3(helpdeskDB, """
            CREATE TABLE contacts (contact_id INTEGER PRIMARY KEY AUTOINCREMENT, mail TEXT, name TEXT, tel TEXT, tickets INTEGER DEFAULT 0);
            INSERT INTO contacts (mail, name, tel) VALUES ('ada@example.com', 'Ada Lovelace', '100'),
                ('barbara@example.com', 'Barbara Liskov', '500');
            """)
        let match = "match_key = \"email\""
        try crm.configure(peers: [helpdesk], collection: match, extra: crmAdapter)
        try helpdesk.configure(peers: [crm], collection: match, extra: helpdeskAdapter)
        return (crm, helpdesk, crmDB, helpdeskDB)
    }

    @Test("edits with the sqlite3 shell reach the other table; status, metrics, held deletes, conflicts and restore through the CLI")
    func pairWithAdapters() async throws {
        let (crm, helpdesk, crmDB, helpdeskDB) = try await Self.pair()
        defer {
            crm.cleanUp()
            helpdesk.cleanUp()
        }
        try crm.start()
        try helpdesk.start()

        // Backfill: five customers on both sides, Ada once each (matched by email).
        try await eventually("both tables hold the five customers") {
            guard try await sqlite3(crmDB, "SELECT count(*) FROM customers") == "5" else { return false }
            return try await sqlite3(helpdeskDB, "SELECT count(*) FROM contacts") == "5"
        }
        try await sqlite3(crmDB, "UPDATE customers SET phone = '201' WHERE email = 'grace@example.com'")
        try await sqlite3(helpdeskDB, "INSERT INTO contacts (mail, name, tel) VALUES ('linus@example.com', 'Linus', '600')")
        try await eventually("each edit in the other table") {
            guard try await sqlite3(helpdeskDB, "SELECT tel FROM contacts WHERE mail = 'grace@example.com'") == "201" else { return false }
            return try await sqlite3(crmDB, "SELECT full_name FROM customers WHERE email = 'linus@example.com'") == "Linus"
        }

        let report = try await #require(try crm.waitForStatus { ($0.adapters?.first?.captured ?? 0) >= 1 })
        let adapter = try #require(report.adapters?.first)
        #expect(adapter.name == "contacts/sqlite/customers")
        #expect(adapter.state == "running")
        #expect(adapter.backfilledRows == 4)
        #expect(adapter.written >= 2)
        #expect(report.health.conflicts != nil)
        // Linus's row, written here after the node started: a sync latency.
        let timed = try await #require(try crm.waitForStatus { ($0.health.syncLatencyCount ?? 0) >= 1 })
        let p50 = try #require(timed.health.syncLatencyP50Ms)
        #expect(try #require(timed.health.syncLatencyP99Ms) >= p50)
        let table = try await TandemExecutable.run(["status", "--config", crm.configPath])
        #expect(table.stdout.contains("ADAPTER"), "\(table.stdout)")
        #expect(table.stdout.contains("sync latency p50 / p99"), "\(table.stdout)")
        #expect(table.stdout.contains("contacts/sqlite/customers  running"), "\(table.stdout)")
        let metrics = try await AdminClient.get("/metrics", from: HostPort(host: "127.0.0.1", port: crm.adminPort), timeoutSeconds: 60)
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains("tandem_adapter_captured_total{adapter=\"contacts/sqlite/customers\",collection=\"contacts\"}"), "\(text)")
        #expect(text.contains("tandem_adapter_held_deletes{adapter=\"contacts/sqlite/customers\",collection=\"contacts\"} 0"))
        // Linus, inserted on the helpdesk, written here: one latency sample at least.
        #expect(text.contains("tandem_sync_latency_seconds_count{collection=\"contacts\"}"), "\(text)")

        // A mass delete (4 of 6 rows) is held, listed, then approved.
        try await sqlite3(crmDB, "DELETE FROM customers WHERE email IN ('ada@example.com', 'grace@example.com', 'alan@example.com', 'edsger@example.com')")
        var listed = ""
        try await eventually("the held deletes listed") {
            let result = try await TandemExecutable.run(["deletes", "--config", crm.configPath, "--json"])
            listed = result.stdout
            guard result.status == 0 else { return false }
            let held = try AdapterReports.decode([AdapterReports.HeldDeletes].self, Data(listed.utf8))
            return held.first?.deletes.count == 4
        }
        let held = try AdapterReports.decode([AdapterReports.HeldDeletes].self, Data(listed.utf8))
        let ada = held.first?.deletes.first { $0.lastValues["full_name"] == "Ada Lovelace" }
        #expect(ada != nil, "\(listed)")
        #expect(try await sqlite3(helpdeskDB, "SELECT count(*) FROM contacts") == "6")
        let readable = try await TandemExecutable.run(["deletes", "--config", crm.configPath])
        #expect(readable.stdout.contains("4 held deletes of customers"), "\(readable.stdout)")
        let approve = try await TandemExecutable.run(["approve-deletes", "--config", crm.configPath, "--adapter", "customers"])
        #expect(approve.status == 0, "\(approve.stderr)")
        #expect(approve.stdout.contains("4 held deletes approved"), "\(approve.stdout)")
        try await eventually("the approved deletes on the helpdesk") {
            try await sqlite3(helpdeskDB, "SELECT count(*) FROM contacts") == "2"
        }
        let unknown = try await TandemExecutable.run(["approve-deletes", "--config", crm.configPath, "--adapter", "nosuch"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no adapter nosuch"), "\(unknown.stderr)")

        // Parity on demand: the tables agree, nothing to repair; and the
        // two nodes' CRDT states agree (compared by digest over the protocol).
        let parity = try await TandemExecutable.run(["parity", "--config", crm.configPath, "--json"])
        #expect(parity.status == 0, "\(parity.stderr)")
        let checks = try AdapterReports.decode(AdapterReports.ParityRun.self, Data(parity.stdout.utf8))
        #expect(checks.adapters.first?.repairs == 0)
        #expect(checks.peers.map(\.peer) == ["helpdesk"])
        #expect(checks.peers.first?.outcome == "in_sync", "\(checks.peers)")
        let parityText = try await TandemExecutable.run(["parity", "--config", crm.configPath])
        #expect(parityText.stdout.contains("peer helpdesk: in sync"), "\(parityText.stdout)")

        // A conflict: crm offline, both sides edit Linus's phone, crm back.
        let stopped = try #require(await crm.terminate())
        #expect(stopped.status == 0)
        try await sqlite3(crmDB, "UPDATE customers SET phone = '601' WHERE email = 'linus@example.com'")
        try await Task.sleep(for: .milliseconds(20))  // a later edit time (ms precision), not synchronisation
        try await sqlite3(helpdeskDB, "UPDATE contacts SET tel = '602' WHERE mail = 'linus@example.com'")
        try crm.start()
        try await eventually("the later phone on both sides") {
            guard try await sqlite3(crmDB, "SELECT phone FROM customers WHERE email = 'linus@example.com'") == "602" else { return false }
            return try await sqlite3(helpdeskDB, "SELECT tel FROM contacts WHERE mail = 'linus@example.com'") == "602"
        }
        var eventID: Int?
        try await eventually("the conflict listed") {
            let conflicts = try await TandemExecutable.run(["conflicts", "--config", crm.configPath, "--json"])
            guard conflicts.status == 0,
                  let list = try JSONSerialization.jsonObject(with: Data(conflicts.stdout.utf8)) as? [[String: Any]]
            else { return false }
            eventID = list.first {
                $0["record"] as? String == "email:linus@example.com" && $0["field"] as? String == "phone"
                    && ($0["loser"] as? String)?.contains("601") == true
            }?["id"] as? Int
            return eventID != nil
        }
        let id = try #require(eventID)
        let listedText = try await TandemExecutable.run(["conflicts", "--config", crm.configPath])
        #expect(listedText.stdout.contains("#\(id)"), "\(listedText.stdout)")
        let restore = try await TandemExecutable.run(["restore", "--config", crm.configPath, "--event", "\(id)"])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains("phone"), "\(restore.stdout)")
        try await eventually("the restored loser on both sides") {
            guard try await sqlite3(crmDB, "SELECT phone FROM customers WHERE email = 'linus@example.com'") == "601" else { return false }
            return try await sqlite3(helpdeskDB, "SELECT tel FROM contacts WHERE mail = 'linus@example.com'") == "601"
        }

        // Detach with the node stopped: the triggers and tables go, rows stay.
        let running = try await TandemExecutable.run(["detach", "--config", crm.configPath])
        #expect(running.status != 0)
        #expect(running.stderr.contains("stop it before detaching"), "\(running.stderr)")
        #expect(await crm.terminate()?.status == 0)
        let detach = try await TandemExecutable.run(["detach", "--config", crm.configPath])
        #expect(detach.status == 0, "\(detach.stderr)")
        #expect(try await sqlite3(crmDB, "SELECT count(*) FROM sqlite_master WHERE name LIKE '_tandem%'") == "0")
        #expect(try await sqlite3(crmDB, "SELECT count(*) FROM customers") == "2")
    }

    @Test("an adapter whose table is missing stops the start with one line")
    func missingTable() async throws {
        let crm = try await DaemonNode(name: "crm")
        defer { crm.cleanUp() }
        try await sqlite3(crm.directory.appending("crm.db"), "CREATE TABLE other (id INTEGER PRIMARY KEY);")
        try crm.configure(peers: [], collection: "match_key = \"email\"", extra: Self.crmAdapter)
        let result = try await TandemExecutable.run(["run", "--config", crm.configPath])
        #expect(result.status != 0)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1, "\(result.stderr)")
        #expect(errors.first?.contains("adapter contacts/sqlite/customers failed") == true, "\(result.stderr)")
        #expect(result.stderr.hasSuffix("\n") && errors.first.map { !$0.contains("\n") } == true)
    }
}
