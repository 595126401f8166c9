import Foundation
import TandemDaemon
import TandemTestSupport
import Testing

/// What runs beside sync in a `tandem run` process: alerts posted to a real
/// webhook server, the parity schedule, audit retention.
@Suite("tandem run: alerts, scheduled parity, audit retention", .serialized)
struct OperationsProcessTests {
    /// One node with the CRM's SQLite table, no peers.
    static func crmNode(extra: String) async throws -> (node: DaemonNode, database: String) {
        let crm = try await DaemonNode(name: "crm")
        let database = crm.directory.appending("crm.db")
        try await sqlite3(database, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, full_name TEXT, phone TEXT);
            INSERT INTO customers (email, full_name, phone) VALUES
                ('ada@example.com', 'Ada Lovelace', '100'), ('grace@example.com', 'Grace Hopper', '200'),
                ('alan@example.com', 'Alan Turing', '300'), ('edsger@example.com', 'Edsger Dijkstra', '400');
            """)
        try crm.configure(peers: [], collection: "match_key = \"email\"", extra: AdapterProcessTests.crmAdapter + extra)
        return (crm, database)
    }

    @Test("a held mass delete posts a firing alert to the webhook (retried after a 500) and a resolved one once rejected; parity runs on schedule")
    func webhookAndSchedule() async throws {
        let receiver = try await WebhookReceiver(failures: 1)
        defer { receiver.stop() }
        let (crm, database) = try await Self.crmNode(extra: """

            [alerts]
            webhook = "\(receiver.url)"
            check_interval_seconds = 1
            webhook_timeout_seconds = 5
            webhook_retries = 3
            cooldown_seconds = 0

            """)
        defer { crm.cleanUp() }
        // A parity check every 1.2 s.
        let config = try String(contentsOfFile: crm.configPath, encoding: .utf8)
            .replacingOccurrences(of: "[node]\n", with: "[node]\nparity_interval_minutes = 0.02\n")
        try Data(config.utf8).write(to: URL(fileURLWithPath: crm.configPath))
        try crm.start()

        // The schedule ran: status has the time of the last check and the parity.
        let checked = try await #require(try crm.waitForStatus { $0.health.lastParityCheck != nil && $0.health.parityRatio != nil })
        #expect(checked.health.parityRatio == 1)
        #expect(checked.health.alerts == [])
        #expect(await crm.waitForLog("scheduled parity check: contacts/sqlite/customers: 4 records, 0 rows repaired"))

        // 3 of 4 rows deleted (mass_delete_min_rows = 3): held, and alerted.
        try await sqlite3(database, "DELETE FROM customers WHERE email <> 'ada@example.com'")
        try await eventually("the firing alert received") {
            receiver.received.contains { $0.alert == "deletes_held" && $0.status == "firing" }
        }
        let firing = try #require(receiver.received.first)
        #expect(firing.node == "crm")
        #expect(firing.nodeId == crm.nodeID)
        #expect(firing.adapter == "contacts/sqlite/customers")
        #expect(firing.value == 3)
        #expect(firing.summary.contains("holds 3 deletes for approval"))
        #expect(receiver.attempts >= 2, "the first POST was answered 500 and retried")
        #expect(await crm.waitForLog("alert: adapter contacts/sqlite/customers holds 3 deletes"))
        let during = try await #require(try crm.status())
        #expect(during.health.alerts == ["deletes_held contacts/sqlite/customers"], "\(during.health)")
        // The schedule skips an adapter holding deletes: its sweep would write the rows back.
        #expect(await crm.waitForLog("scheduled parity check: contacts/sqlite/customers: not checked: 3 held deletes wait for approval"))
        #expect(try await sqlite3(database, "SELECT count(*) FROM customers") == "1")
        let parity = try await TandemExecutable.run(["parity", "--config", crm.configPath])
        #expect(parity.stdout.contains("not checked: 3 held deletes"), "\(parity.stdout)")
        let table = try await TandemExecutable.run(["status", "--config", crm.configPath])
        #expect(table.stdout.contains("deletes_held contacts/sqlite/customers"), "\(table.stdout)")

        let reject = try await TandemExecutable.run(["reject-deletes", "--config", crm.configPath])
        #expect(reject.status == 0, "\(reject.stderr)")
        try await eventually("the resolved alert received") {
            receiver.received.contains { $0.alert == "deletes_held" && $0.status == "resolved" }
        }
        #expect(try await sqlite3(database, "SELECT count(*) FROM customers") == "4")
        let metrics = try await AdminClient.get("/metrics", from: HostPort(host: "127.0.0.1", port: crm.adminPort), timeoutSeconds: 60)
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains("tandem_alerts_total{alert=\"deletes_held\",status=\"firing\"} 1"), "\(text)")
        #expect(text.contains("tandem_alerts_total{alert=\"deletes_held\",status=\"resolved\"} 1"), "\(text)")
        #expect(await crm.terminate()?.status == 0)
    }

    @Test("a peer that stays down and a paused adapter each post a firing alert and a resolved one")
    func peerDownAndPausedAdapter() async throws {
        let receiver = try await WebhookReceiver()
        defer { receiver.stop() }
        let (crm, helpdesk, crmDB, helpdeskDB) = try await AdapterProcessTests.pair()
        defer {
            crm.cleanUp()
            helpdesk.cleanUp()
        }
        let config = try String(contentsOfFile: helpdesk.configPath, encoding: .utf8) + """

            [alerts]
            webhook = "\(receiver.url)"
            check_interval_seconds = 1
            cooldown_seconds = 0
            peer_down_seconds = 2

            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: helpdesk.configPath))
        func received(_ alert: String, _ status: String) -> AlertPayload? {
            receiver.received.first { $0.alert == alert && $0.status == status }
        }
        // The CRM is not running yet: its peer stays down.
        try helpdesk.start()
        try await eventually("peer_down firing") { received("peer_down", "firing") != nil }
        #expect(received("peer_down", "firing")?.peer == "crm")
        #expect(received("peer_down", "firing")?.adapter == nil)
        try crm.start()
        try await eventually("peer_down resolved", within: 120) { received("peer_down", "resolved") != nil }
        try await eventually("both tables hold the five customers", within: 120) {
            try await sqlite3(helpdeskDB, "SELECT count(*) FROM contacts") == "5"
        }

        // A mapped column renamed under the adapter: it pauses at its next write.
        try await sqlite3(helpdeskDB, "ALTER TABLE contacts RENAME COLUMN tel TO phone_number;")
        try await sqlite3(crmDB, "UPDATE customers SET phone = '101' WHERE email = 'ada@example.com'")
        try await eventually("adapter_paused firing", within: 120) { received("adapter_paused", "firing") != nil }
        #expect(received("adapter_paused", "firing")?.adapter == "contacts/sqlite/contacts")
        #expect(received("adapter_paused", "firing")?.summary.contains("tel") == true)
        try await sqlite3(helpdeskDB, "ALTER TABLE contacts RENAME COLUMN phone_number TO tel;")
        try await eventually("adapter_paused resolved", within: 120) { received("adapter_paused", "resolved") != nil }
        try await eventually("the edit after the fix", within: 120) {
            try await sqlite3(helpdeskDB, "SELECT tel FROM contacts WHERE mail = 'ada@example.com'") == "101"
        }
        #expect(await crm.terminate()?.status == 0)
        #expect(await helpdesk.terminate()?.status == 0)
    }

    @Test("a webhook that never answers is logged and counted, and sync goes on")
    func failingWebhook() async throws {
        // A port nothing listens on: every attempt is refused.
        let port = try LoopbackSocket.freePort()
        let (crm, database) = try await Self.crmNode(extra: """

            [alerts]
            webhook = "http://127.0.0.1:\(port)/alerts"
            check_interval_seconds = 1
            webhook_retries = 1

            """)
        defer { crm.cleanUp() }
        try crm.start()
        _ = try await #require(try crm.waitForStatus { $0.adapters?.first?.state == "running" })
        try await sqlite3(database, "DELETE FROM customers WHERE email <> 'ada@example.com'")
        #expect(await crm.waitForLog("alert webhook failed"))
        try await eventually("the failure counted in /metrics", within: 60) {
            let metrics = try await AdminClient.get("/metrics", from: HostPort(host: "127.0.0.1", port: crm.adminPort), timeoutSeconds: 60)
            return String(decoding: metrics.body, as: UTF8.self).contains("tandem_alert_webhook_failures_total 1")
        }
        // The node still answers and captures.
        try await sqlite3(database, "UPDATE customers SET phone = '101' WHERE email = 'ada@example.com'")
        _ = try await #require(try crm.waitForStatus { ($0.adapters?.first?.captured ?? 0) >= 5 })
        #expect(await crm.terminate()?.status == 0)
    }

    @Test("audit events older than audit_retention_days are pruned at start, conflicts kept")
    func auditRetention() async throws {
        let (crm, _) = try await Self.crmNode(extra: "")
        defer { crm.cleanUp() }
        let config = try String(contentsOfFile: crm.configPath, encoding: .utf8)
            .replacingOccurrences(of: "[node]\n", with: "[node]\naudit_retention_days = 1\n")
        try Data(config.utf8).write(to: URL(fileURLWithPath: crm.configPath))
        try crm.start()
        _ = try await #require(try crm.waitForStatus { $0.adapters?.first?.state == "running" })
        #expect(await crm.terminate()?.status == 0)

        // Two events from 2020, one a conflict; the node's own are recent.
        let store = crm.directory.appending("data/tandem.sqlite")
        try await sqlite3(store, """
            INSERT INTO audit (at, kind, collection, record, detail) VALUES
                (1577836800000, 'captured', 'contacts', 'email:old@example.com', 'old capture'),
                (1577836800000, 'conflict', 'contacts', 'email:old@example.com', 'old conflict');
            """)
        let before = try await TandemExecutable.run(["audit", "--config", crm.configPath, "--json"])
        #expect(before.stdout.contains("old capture"))

        try crm.start()
        #expect(await crm.waitForLog("audit events pruned"))
        let after = try await TandemExecutable.run(["audit", "--config", crm.configPath, "--json"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(!after.stdout.contains("old capture"), "\(after.stdout)")
        #expect(after.stdout.contains("old conflict"))
        #expect(after.stdout.contains("captured"), "the recent events stay")
        #expect(await crm.terminate()?.status == 0)
    }
}
