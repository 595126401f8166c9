import Foundation
import Synchronization
import Testing
import TandemAdapterCore
import TandemAdapters
import TandemCore
import TandemCrypto
import TandemNode
import TandemPostgresAdapter
import TandemSync
import TandemTestSupport

/// The PostgreSQL driver under the real `AdapterRunner`: a PostgreSQL table
/// ("crm") and a SQLite table ("helpdesk") kept in sync through two
/// `SyncNode`s over loopback TCP, edited by psql and the sqlite3 shell.
@Suite struct PostgresRunnerTests {
    static let crmTable = """
        CREATE TABLE customers (id serial PRIMARY KEY, email text, full_name text, phone varchar(20), tags text[],
            vip boolean, score double precision, visits integer, signed_on date, updated timestamptz,
            notes text DEFAULT 'n/a');
        """
    static let helpdeskTable = """
        CREATE TABLE contacts (contact_id INTEGER PRIMARY KEY AUTOINCREMENT, mail TEXT, name TEXT, tel TEXT,
            labels JSON, is_vip BOOLEAN, rating REAL, visit_count INTEGER, since DATE, changed_at DATETIME,
            internal TEXT DEFAULT 'x');
        """

    static func mapping(_ name: String, table: String, key: String, columns: [String: String]) -> AdapterMapping {
        AdapterMapping(
            name: name, collection: "contacts", table: table, keyColumn: key,
            fields: columns.sorted { $0.key < $1.key }.map {
                FieldBinding(field: $0.key, column: $0.value, isSet: $0.key == "tags")
            },
            match: MatchRule(field: "email", fallbackField: "phone"))
    }

    static let crmMapping = mapping(
        "crm", table: "customers", key: "id",
        columns: ["email": "email", "name": "full_name", "phone": "phone", "tags": "tags", "vip": "vip",
                  "score": "score", "visits": "visits", "signed": "signed_on", "updated": "updated"])
    static let helpdeskMapping = mapping(
        "helpdesk", table: "contacts", key: "contact_id",
        columns: ["email": "mail", "name": "name", "phone": "tel", "tags": "labels", "vip": "is_vip",
                  "score": "rating", "visits": "visit_count", "signed": "since", "updated": "changed_at"])

    @Test func postgresAndSQLiteStayEqualThroughTwoNodesAndAPostgresRestart() async throws {
        try await PostgresServer.withServer { server in
            try await PostgresCrashTests.withTwoSides(
                server,
                crmSeed: """
                    INSERT INTO customers (email, full_name, phone) VALUES ('ada@example.com', 'Ada Lovelace', '+44 1');
                    INSERT INTO customers (email, full_name, phone) VALUES ('bob@example.com', 'Bob', '+1 2');
                    SELECT setval('customers_id_seq', 100);
                    """,
                helpdeskSeed: """
                    INSERT INTO contacts (mail, name, tel) VALUES ('  ADA@example.com ', 'Ada Lovelace', '+44 1');
                    INSERT INTO contacts (mail, name, tel) VALUES ('carol@example.com', 'Carol', '+33 3');
                    """,
                rows: 3
            ) { crmSide, helpdeskSide, crmShell, helpdeskShell in
                @discardableResult func crm(_ sql: String) async throws -> String { try await crmShell(sql) }
                @discardableResult func helpdesk(_ sql: String) async throws -> String { try await helpdeskShell(sql) }

                // First sync: matched by email, no duplicates.
                try await eventually("three rows on both sides") {
                    guard try await crm("SELECT count(*) FROM customers") == "3" else { return false }
                    return try await helpdesk("SELECT count(*) FROM contacts") == "3"
                }
                try await eventually("equal names and phones") {
                    try await crm("SELECT lower(trim(email)) || '|' || full_name || '|' || phone FROM customers ORDER BY 1")
                        == helpdesk("SELECT lower(trim(mail)) || '|' || name || '|' || tel FROM contacts ORDER BY 1")
                }
                #expect(try await crm("SELECT notes FROM customers WHERE lower(trim(email)) = 'carol@example.com'") == "n/a")

                // PostgreSQL to SQLite, every type.
                try await crm("""
                    UPDATE customers SET phone = '+44 20 7946 0000', vip = true, score = 4.5, visits = 7, signed_on = '2026-01-02',
                        updated = '2026-12-05 10:00:00.250+00', tags = '{vip,churn-risk}' WHERE id = 1;
                    """)
                try await eventually("the crm edit on the helpdesk") {
                    try await helpdesk("""
                        SELECT tel || '|' || is_vip || '|' || rating || '|' || visit_count || '|' || since || '|' || changed_at
                        FROM contacts WHERE lower(trim(mail)) = 'ada@example.com'
                        """) == "+44 20 7946 0000|1|4.5|7|2026-01-02|2026-12-05T10:00:00.250Z"
                }
                let labels = try await helpdesk("SELECT labels FROM contacts WHERE lower(trim(mail)) = 'ada@example.com'")
                #expect(Set(JSONArrayText.parse(labels) ?? []) == [.text("vip"), .text("churn-risk")])

                // SQLite to PostgreSQL: a rename, a NULL, a boolean, a set edit.
                try await helpdesk("""
                    UPDATE contacts SET name = 'Ada King', tel = NULL, is_vip = 0, labels = '["vip","renewal"]'
                    WHERE lower(trim(mail)) = 'ada@example.com';
                    """)
                try await eventually("the helpdesk edit in PostgreSQL") {
                    try await crm("""
                        SELECT full_name || '|' || coalesce(phone, 'NULL') || '|' || vip || '|' || array_to_string(tags, ',')
                        FROM (SELECT full_name, phone, vip, ARRAY(SELECT unnest(tags) ORDER BY 1) AS tags FROM customers
                              WHERE id = 1) AS c
                        """) == "Ada King|NULL|false|renewal,vip"
                }

                // A poison value: too long for varchar(20) in PostgreSQL; it fails alone.
                try await helpdesk("""
                    UPDATE contacts SET tel = '+00 0000 0000 0000 0000 0000' WHERE lower(trim(mail)) = 'carol@example.com';
                    INSERT INTO contacts (mail, name) VALUES ('dan@example.com', 'Dan');
                    """)
                try await eventually("the new contact in PostgreSQL") {
                    try await crm("SELECT full_name FROM customers WHERE lower(trim(email)) = 'dan@example.com'") == "Dan"
                }
                try await eventually("the refused write in the retry queue") { await crmSide.runner.currentStatus().retrying == 1 }
                #expect(try await crm("SELECT coalesce(phone, 'NULL') FROM customers WHERE lower(trim(email)) = 'carol@example.com'") == "+33 3")

                // Deletes flow; one edit is one write on the other side.
                try await crm("DELETE FROM customers WHERE id = 2;")
                try await eventually("the delete on the helpdesk") {
                    try await helpdesk("SELECT count(*) FROM contacts WHERE lower(trim(mail)) = 'bob@example.com'") == "0"
                }
                try await eventually("both adapters idle") {
                    let crmIdle = await crmSide.runner.currentStatus().idle
                    let helpdeskIdle = await helpdeskSide.runner.currentStatus().idle
                    return crmIdle && helpdeskIdle
                }
                try await helpdesk("""
                    CREATE TABLE row_writes (pk TEXT);
                    CREATE TRIGGER count_helpdesk AFTER UPDATE ON contacts BEGIN INSERT INTO row_writes VALUES (NEW.contact_id); END;
                    """)
                try await crm("""
                    CREATE TABLE row_writes (pk text);
                    CREATE FUNCTION count_write() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN INSERT INTO row_writes VALUES (NEW.id::text); RETURN NULL; END $$;
                    CREATE TRIGGER count_crm AFTER UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION count_write();
                    """)
                let crmBefore = await crmSide.runner.currentStatus()
                let helpdeskBefore = await helpdeskSide.runner.currentStatus()
                try await crm("UPDATE customers SET visits = 8 WHERE lower(trim(email)) = 'dan@example.com';")
                try await eventually("the edit on the helpdesk") {
                    try await helpdesk("SELECT visit_count FROM contacts WHERE lower(trim(mail)) = 'dan@example.com'") == "8"
                }
                try await eventually("both adapters quiet") {
                    let crm = await crmSide.runner.currentStatus(), helpdesk = await helpdeskSide.runner.currentStatus()
                    return crm.idle && helpdesk.idle && crm.captured == crmBefore.captured + 1
                        && helpdesk.captured == helpdeskBefore.captured
                }
                try await Task.sleep(for: .milliseconds(300))  // room for an echo to show, if there were one
                #expect(try await crm("SELECT count(*) FROM row_writes") == "1")
                #expect(try await helpdesk("SELECT count(*) FROM row_writes") == "1")
                #expect(await crmSide.runner.currentStatus().written == crmBefore.written)

                // PostgreSQL restarts mid-stream: edits on both sides flow after it.
                try await server.restart()
                try await crm("UPDATE customers SET visits = 9 WHERE lower(trim(email)) = 'dan@example.com';")
                try await helpdesk("UPDATE contacts SET name = 'Dan D.' WHERE lower(trim(mail)) = 'dan@example.com';")
                try await PostgresCrashTests.expectBothRows(
                    "9|Dan D.", "edits on both sides after the restart", crmSide: crmSide, helpdeskSide: helpdeskSide,
                    crm: crm, helpdesk: helpdesk,
                    crmRow: "SELECT visits || '|' || full_name FROM customers WHERE lower(trim(email)) = 'dan@example.com'",
                    helpdeskRow: "SELECT visit_count || '|' || name FROM contacts WHERE lower(trim(mail)) = 'dan@example.com'")
            }
        }
    }
}

/// Fixed node identities.
enum RunnerKeys {
    static let crm = keyPair(0x11)
    static let helpdesk = keyPair(0x22)

    static func keyPair(_ byte: UInt8) -> NodeKeyPair { TestKeys.keyPair(byte) }
}

/// A node and the adapter runner between it and one table.
final class RunnerSide: Sendable {
    let node: SyncNode
    let runner: AdapterRunner

    init(keys: NodeKeyPair, store: String, peers: [PeerAddress], mapping: AdapterMapping, driver: any AdapterDriver) throws {
        var configuration = SyncNodeConfiguration(
            identity: keys, port: 0, peers: peers, members: [RunnerKeys.crm.nodeID, RunnerKeys.helpdesk.nodeID],
            reconnect: ReconnectPolicy(baseDelayMillis: 20, maxDelayMillis: 200, jitter: { 0.5 }))
        configuration.sync.summaryIntervalMillis = 100
        configuration.sync.resendAfterMillis = 500
        let relay = AdapterEventRelay()
        configuration.observer = { relay.forward($0) }
        node = try SyncNode.open(configuration: configuration, directory: store)
        runner = AdapterRunner(
            mapping: mapping, node: node, driver: driver, clock: { Int64(Date().timeIntervalSince1970 * 1000) })
        relay.add(runner)
    }

    func start() async throws {
        try await node.start()
        try await runner.start()
    }

    func stop() async {
        await runner.stop()
        try? await node.shutdown()
    }
}

