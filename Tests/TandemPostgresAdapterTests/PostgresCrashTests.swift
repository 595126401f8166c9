import Foundation
import Testing
import TandemAdapterCore
import TandemAdapters
import TandemCrypto
import TandemNode
import TandemPostgresAdapter
import TandemTestSupport

/// PostgreSQL crashes again and again under the real `AdapterRunner`, with
/// `synchronous_commit` off (the fixture's setting): each crash may lose the
/// server's last committed transactions, the driver's own among them. Edits
/// made on both sides after each restart still reach both sides.
@Suite struct PostgresCrashTests {
    /// A PostgreSQL table ("crm", seeded by `crmSeed`) and a SQLite table
    /// ("helpdesk", seeded by `helpdeskSeed`) kept in sync by two runners
    /// over loopback TCP; `body` runs once the helpdesk holds `rows` rows,
    /// with the two runners and a psql and a sqlite3 shell.
    static func withTwoSides(
        _ server: PostgresServer,
        crmSeed: String = "INSERT INTO customers (email, full_name, visits) VALUES ('dan@example.com', 'Dan', 0);",
        helpdeskSeed: String = "", rows: Int = 1,
        _ body: (_ crmSide: RunnerSide, _ helpdeskSide: RunnerSide, _ crm: (String) async throws -> String,
                 _ helpdesk: (String) async throws -> String) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-pg-runner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await server.createDatabase("crm")
        try await server.psql(database: "crm", sql: PostgresRunnerTests.crmTable + crmSeed)
        let sqlitePath = directory.appendingPathComponent("helpdesk.db").path
        try await sqlite3(sqlitePath, PostgresRunnerTests.helpdeskTable + helpdeskSeed)
        let crm = { (sql: String) async throws -> String in try await server.psql(database: "crm", sql: sql).trimmed }
        let helpdesk = { (sql: String) async throws -> String in try await sqlite3(sqlitePath, sql) }

        let crmSide = try RunnerSide(
            keys: RunnerKeys.crm, store: directory.appendingPathComponent("crm-store").path, peers: [],
            mapping: PostgresRunnerTests.crmMapping,
            driver: PostgresDriver(url: server.url(database: "crm"), table: "customers", keyColumn: "id"))
        try await crmSide.start()
        defer { Task { await crmSide.stop() } }
        let port = try #require(crmSide.node.boundPort)
        let helpdeskSide = try RunnerSide(
            keys: RunnerKeys.helpdesk, store: directory.appendingPathComponent("helpdesk-store").path,
            peers: [PeerAddress(node: RunnerKeys.crm.nodeID, host: "127.0.0.1", port: port)],
            mapping: PostgresRunnerTests.helpdeskMapping,
            driver: SQLiteDriver(path: sqlitePath, table: "contacts", keyColumn: "contact_id"))
        try await helpdeskSide.start()
        defer { Task { await helpdeskSide.stop() } }
        try await eventually("\(rows) rows on the helpdesk") { try await helpdesk("SELECT count(*) FROM contacts") == "\(rows)" }
        try await body(crmSide, helpdeskSide, crm, helpdesk)
    }

    /// Waits until both tables show `visits|name` as `expected`; on a
    /// timeout, records both rows and both runners' status.
    static func expectBothRows(
        _ expected: String, _ what: String, crmSide: RunnerSide, helpdeskSide: RunnerSide,
        crm: (String) async throws -> String, helpdesk: (String) async throws -> String,
        crmRow: String = "SELECT visits || '|' || full_name FROM customers",
        helpdeskRow: String = "SELECT visit_count || '|' || name FROM contacts"
    ) async throws {
        do {
            try await eventually(what) {
                guard try await helpdesk(helpdeskRow) == expected else { return false }
                return try await crm(crmRow) == expected
            }
        } catch {
            let crmStatus = await crmSide.runner.currentStatus(), helpdeskStatus = await helpdeskSide.runner.currentStatus()
            Issue.record("""
                \(what): PostgreSQL row \(try await crm(crmRow)), SQLite row \(try await helpdesk(helpdeskRow)), expected \(expected)
                PostgreSQL sessions: \(try await crm("""
                    SELECT string_agg(format('[%s %s %s/%s xact %s: %s]', pid, state, wait_event_type, wait_event,
                        now() - xact_start, left(query, 100)), ' ') FROM pg_stat_activity WHERE datname = 'crm' AND pid <> pg_backend_pid()
                    """))
                crm runner: \(crmStatus)
                helpdesk runner: \(helpdeskStatus)
                """)
            throw error
        }
    }

    @Test func editsOnBothSidesFlowAfterEveryCrashOfTheServer() async throws {
        try await PostgresServer.withServer { server in
            try await Self.withTwoSides(server) { crmSide, helpdeskSide, crm, helpdesk in
                // The attach is durable before the first crash (a crash within
                // the WAL writer's delay after it loses the capture itself,
                // which `aCaptureLostWithTheServersLastCommitsIsInstalledAgain` covers).
                _ = try await crm("CHECKPOINT;")
                for round in 1...8 {
                    try await server.stopForRestart(crash: true)
                    try await server.startAfterStop()
                    _ = try await crm("UPDATE customers SET visits = \(round);")
                    _ = try await helpdesk("UPDATE contacts SET name = 'Dan \(round)';")
                    try await Self.expectBothRows(
                        "\(round)|Dan \(round)", "both edits of round \(round) on both sides",
                        crmSide: crmSide, helpdeskSide: helpdeskSide, crm: crm, helpdesk: helpdesk)
                }
            }
        }
    }

    /// What the driver installed (trigger, functions, outbox, position
    /// sequence, key map) is gone, as when a crash lost the attach's
    /// transaction: the runner installs it again, and edits made after
    /// flow both ways.
    @Test func aCaptureLostWithTheServersLastCommitsIsInstalledAgain() async throws {
        try await PostgresServer.withServer { server in
            try await Self.withTwoSides(server) { crmSide, helpdeskSide, crm, helpdesk in
                let driver = try PostgresDriver(url: server.url(database: "crm"), table: "customers", keyColumn: "id")
                try await driver.detach()
                await driver.close()
                try await eventually("the capture installed again") {
                    try await crm("SELECT to_regclass('_tandem_outbox_customers') IS NOT NULL") == "t"
                }
                #expect(await crmSide.runner.currentStatus().lastError?.contains("capture is missing") == true)
                _ = try await crm("UPDATE customers SET visits = 7;")
                _ = try await helpdesk("UPDATE contacts SET name = 'Dan 7';")
                try await Self.expectBothRows(
                    "7|Dan 7", "both edits after the capture came back",
                    crmSide: crmSide, helpdeskSide: helpdeskSide, crm: crm, helpdesk: helpdesk)
            }
        }
    }
}
