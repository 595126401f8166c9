import Foundation
import TandemAdapterCore
import TandemAdapters
import TandemTestSupport
import Testing

/// Two nodes over loopback TCP, each beside a SQLite file edited by the
/// sqlite3 shell: first sync, every column type both ways, deletes, echo
/// silence.
@Suite("SQLite to SQLite through two nodes")
struct SQLiteRoundTripTests {
    @Test("first sync matches rows by email: no duplicates, both tables end equal")
    func firstSyncMatches() async throws {
        let pair = try await SQLitePair.start(
            "first-sync",
            seedCRM: """
                INSERT INTO customers (id, email, full_name, phone) VALUES (1, 'ada@example.com', 'Ada Lovelace', '+44 1');
                INSERT INTO customers (id, email, full_name, phone) VALUES (2, 'bob@example.com', 'Bob', '+1 2');
                """,
            seedHelpdesk: """
                INSERT INTO contacts (mail, name, tel) VALUES ('  ADA@example.com ', 'Ada Lovelace', '+44 1');
                INSERT INTO contacts (mail, name, tel) VALUES ('carol@example.com', 'Carol', '+33 3');
                """)
        defer { Task { await pair.stop() } }
        try await eventually("three rows on both sides") {
            guard try await pair.crm.sql("SELECT count(*) FROM customers") == "3" else { return false }
            return try await pair.helpdesk.sql("SELECT count(*) FROM contacts") == "3"
        }
        try await eventually("equal names and phones") {
            try await pair.crm.sql("SELECT lower(trim(email)) || '|' || full_name || '|' || phone FROM customers ORDER BY 1")
                == pair.helpdesk.sql("SELECT lower(trim(mail)) || '|' || name || '|' || tel FROM contacts ORDER BY 1")
        }
        #expect(try await pair.crm.sql("SELECT count(*) FROM customers WHERE lower(trim(email)) = 'ada@example.com'") == "1")
        #expect(try await pair.helpdesk.sql("SELECT count(*) FROM contacts WHERE lower(trim(mail)) = 'ada@example.com'") == "1")
        // Unmapped columns of rows the sync inserted take the table's default.
        #expect(try await pair.crm.sql("SELECT notes FROM customers WHERE email = 'carol@example.com'") == "n/a")
        #expect(try await pair.helpdesk.sql("SELECT internal FROM contacts WHERE mail = 'bob@example.com'") == "x")
    }

    @Test("every column type converts both ways; NULL, sets, inserts and deletes flow")
    func everyTypeBothWays() async throws {
        let pair = try await SQLitePair.start(
            "types", seedCRM: "INSERT INTO customers (id, email, full_name) VALUES (1, 'ada@example.com', 'Ada');")
        defer { Task { await pair.stop() } }
        try await eventually("the first row on the helpdesk") {
            try await pair.helpdesk.sql("SELECT count(*) FROM contacts") == "1"
        }
        try await pair.crm.sql("""
            UPDATE customers SET phone = '+44 20 7946 0000', vip = 1, score = 4.5, visits = 7, signed_on = '2026-01-02',
                updated = '2026-12-05 10:00:00.250', tags = '["vip","churn-risk"]' WHERE id = 1;
            """)
        try await eventually("the crm edit on the helpdesk") {
            try await pair.helpdesk.sql("SELECT tel || '|' || is_vip || '|' || rating || '|' || visit_count || '|' || since || '|' || changed_at FROM contacts")
                == "+44 20 7946 0000|1|4.5|7|2026-01-02|2026-12-05T10:00:00.250Z"
        }
        let labels = try await pair.helpdesk.sql("SELECT labels FROM contacts")
        #expect(Set(JSONArrayText.parse(labels) ?? []) == [.text("vip"), .text("churn-risk")])

        // The other way: a rename, a NULL, a set edit, a boolean.
        try await pair.helpdesk.sql("""
            UPDATE contacts SET name = 'Ada King', tel = NULL, is_vip = 0, labels = '["vip","renewal"]';
            """)
        try await eventually("the helpdesk edit on the crm") {
            try await pair.crm.sql("SELECT full_name || '|' || coalesce(phone, 'NULL') || '|' || vip FROM customers") == "Ada King|NULL|0"
        }
        try await eventually("the set edit on the crm") {
            await Set(JSONArrayText.parse(try pair.crm.sql("SELECT tags FROM customers")) ?? []) == [.text("vip"), .text("renewal")]
        }

        // Inserts and deletes.
        try await pair.helpdesk.sql("INSERT INTO contacts (mail, name) VALUES ('dan@example.com', 'Dan');")
        try await eventually("the new contact in the crm") {
            try await pair.crm.sql("SELECT full_name FROM customers WHERE email = 'dan@example.com'") == "Dan"
        }
        try await pair.crm.sql("DELETE FROM customers WHERE email = 'ada@example.com';")
        try await eventually("the delete on the helpdesk") {
            try await pair.helpdesk.sql("SELECT count(*) FROM contacts WHERE mail = 'ada@example.com'") == "0"
        }
        #expect(try await pair.helpdesk.sql("SELECT count(*) FROM contacts") == "1")
    }

    @Test("no ping-pong: one edit makes exactly one write on the other side, then both are quiet")
    func echoSilence() async throws {
        let pair = try await SQLitePair.start(
            "echo", seedCRM: "INSERT INTO customers (id, email, full_name) VALUES (1, 'ada@example.com', 'Ada');")
        defer { Task { await pair.stop() } }
        try await eventually("the first row on the helpdesk") {
            try await pair.helpdesk.sql("SELECT count(*) FROM contacts") == "1"
        }
        try await eventually("both adapters idle") {
            let crmIdle = await pair.crm.status().idle
            let helpdeskIdle = await pair.helpdesk.status().idle
            return crmIdle && helpdeskIdle
        }
        // Count every write to each row with triggers of our own.
        try await pair.crm.sql("""
            CREATE TABLE row_writes (pk TEXT);
            CREATE TRIGGER count_crm AFTER UPDATE ON customers BEGIN INSERT INTO row_writes VALUES (NEW.id); END;
            """)
        try await pair.helpdesk.sql("""
            CREATE TABLE row_writes (pk TEXT);
            CREATE TRIGGER count_helpdesk AFTER UPDATE ON contacts BEGIN INSERT INTO row_writes VALUES (NEW.contact_id); END;
            """)
        let crmBefore = await pair.crm.status()
        let helpdeskBefore = await pair.helpdesk.status()
        try await pair.crm.sql("UPDATE customers SET phone = '+44 1' WHERE id = 1;")
        try await eventually("the edit on the helpdesk") { try await pair.helpdesk.sql("SELECT tel FROM contacts") == "+44 1" }
        // Quiet: both adapters idle twice in a row with nothing new captured.
        try await eventually("both adapters quiet") {
            let crm = await pair.crm.status(), helpdesk = await pair.helpdesk.status()
            return crm.idle && helpdesk.idle && crm.captured == crmBefore.captured + 1
                && helpdesk.captured == helpdeskBefore.captured
        }
        try await Task.sleep(for: .milliseconds(300))  // not synchronisation: room for an echo to show, if there were one
        #expect(try await pair.crm.sql("SELECT count(*) FROM row_writes") == "1")
        #expect(try await pair.helpdesk.sql("SELECT count(*) FROM row_writes") == "1")
        #expect(await pair.helpdesk.status().captured == helpdeskBefore.captured)
        #expect(await pair.crm.status().written == crmBefore.written)
    }
}
