import Foundation
import TandemAdapterCore
import TandemAdapters
import TandemCore
import TandemCrypto
import TandemNode
import TandemStore
import TandemTestSupport
import Testing

/// Where sync tools lose data: edits made during an outage, mass deletes,
/// values a table refuses, schema changes, duplicate keys, ownership.
@Suite("SQLite adapters under failure")
struct SQLiteFailureTests {
    static let seed = "INSERT INTO customers (id, email, full_name, phone) VALUES (1, 'ada@example.com', 'Ada', '+44 1');"

    static func synced(_ name: String, crm: AdapterMapping = SQLitePair.crmMapping(),
                       helpdesk: AdapterMapping = SQLitePair.helpdeskMapping(), seed: String = seed) async throws -> SQLitePair {
        let pair = try await SQLitePair.start(name, crmMapping: crm, helpdeskMapping: helpdesk, seedCRM: seed)
        try await eventually("the seed on the helpdesk") {
            try await pair.helpdesk.sql("SELECT count(*) FROM contacts") == pair.crm.sql("SELECT count(*) FROM customers")
        }
        return pair
    }

    /// Waits until the wall clock has moved past the last edit, so the next
    /// edit's time is later (the triggers record milliseconds).
    static func nextMillisecond() async throws {
        let start = Date()
        try await eventually("the clock to move") { Date().timeIntervalSince(start) > 0.005 }
    }

    @Test("edits made while a node was down keep their edit time: older loses, newer wins")
    func editTimeAcrossOutage() async throws {
        let pair = try await Self.synced("outage")
        defer { Task { await pair.stop() } }
        try await pair.stopHelpdesk()
        // Helpdesk edits first (while its node is down), crm later: crm wins.
        try await pair.helpdesk.sql("UPDATE contacts SET name = 'Ada (helpdesk, older)';")
        try await Self.nextMillisecond()
        try await pair.crm.sql("UPDATE customers SET full_name = 'Ada (crm, newer)';")
        // Crm edits the phone first, then the helpdesk (still down): helpdesk wins.
        try await pair.crm.sql("UPDATE customers SET phone = '+44 old';")
        try await Self.nextMillisecond()
        try await pair.helpdesk.sql("UPDATE contacts SET tel = '+44 new';")
        try await eventually("crm captured its edits") { await pair.crm.status().idle }
        try await pair.restartHelpdesk()
        try await eventually("both sides agree") {
            guard try await pair.crm.sql("SELECT full_name || '|' || phone FROM customers") == "Ada (crm, newer)|+44 new" else { return false }
            return try await pair.helpdesk.sql("SELECT name || '|' || tel FROM contacts") == "Ada (crm, newer)|+44 new"
        }
        // The losing edit is in an audit log as a conflict: the helpdesk's
        // (its capture lost, or the crm's batch beat its write) or the crm's
        // (its capture replaced a value it had not seen).
        try await eventually("the losing edit in an audit log") {
            let audit = try pair.helpdesk.node.store.auditEvents(after: 0, limit: 10_000)
                + pair.crm.node.store.auditEvents(after: 0, limit: 10_000)
            return audit.contains { $0.event.kind == .conflict && $0.event.detail.contains("Ada (helpdesk, older)") }
        }
    }

    @Test("the same customer created on both sides during a partition becomes one record")
    func matchedAcrossPartition() async throws {
        let pair = try await Self.synced("partition-match")
        defer { Task { await pair.stop() } }
        try await pair.stopHelpdesk()
        try await pair.crm.sql("INSERT INTO customers (id, email, full_name, phone) VALUES (7, 'eve@example.com', 'Eve', '+1 7');")
        try await Self.nextMillisecond()
        try await pair.helpdesk.sql("INSERT INTO contacts (mail, name, tel) VALUES ('Eve@Example.com ', 'Eve Adams', '+1 7');")
        try await pair.restartHelpdesk()
        try await eventually("one Eve on each side, with the later name") {
            guard try await pair.crm.sql("SELECT count(*) || '|' || max(full_name) FROM customers WHERE lower(trim(email)) = 'eve@example.com'")
                == "1|Eve Adams" else { return false }
            return try await pair.helpdesk.sql("SELECT count(*) || '|' || max(name) FROM contacts WHERE lower(trim(mail)) = 'eve@example.com'")
                == "1|Eve Adams"
        }
        #expect(try pair.crm.node.store.records("contacts", after: nil, limit: 100).count == 2)
    }

    @Test("a mass delete is held until approved; a rejected one is written back")
    func massDeleteHold() async throws {
        let rows = (1...20).map { "INSERT INTO customers (id, email, full_name) VALUES (\($0), 'c\($0)@example.com', 'C\($0)');" }
        let pair = try await Self.synced(
            "mass-delete", helpdesk: SQLitePair.helpdeskMapping(massDeletes: MassDeletePolicy(share: 0.2, minimumRows: 5)),
            seed: rows.joined())
        defer { Task { await pair.stop() } }
        try await pair.crm.sql("DELETE FROM customers WHERE id <= 12;")
        try await eventually("the deletes held") { await pair.crm.status().heldDeletes == 12 }
        #expect(try await pair.helpdesk.sql("SELECT count(*) FROM contacts") == "20")
        let held = try await pair.crm.runner.heldDeletes()
        #expect(held.count == 12)
        #expect(held.first?.lastValues["email"] == .text("c1@example.com"))
        // A parity sweep while the hold is open leaves the deleted rows
        // deleted (their rows are gone, so the key map no longer finds them).
        _ = await pair.crm.runner.checkParity()
        #expect(try await pair.crm.sql("SELECT count(*) FROM customers") == "8")
        // A further delete joins the open hold.
        try await pair.crm.sql("DELETE FROM customers WHERE id = 13;")
        try await eventually("the thirteenth delete held") { await pair.crm.status().heldDeletes == 13 }
        #expect(try await pair.crm.runner.approveDeletes() == 13)
        try await eventually("the deletes on the helpdesk") { try await pair.helpdesk.sql("SELECT count(*) FROM contacts") == "7" }

        // Rejected: the rows come back on the side that deleted them (7 rows
        // reach this helpdesk's minimum of 5).
        try await pair.helpdesk.sql("DELETE FROM contacts;")
        try await eventually("the second hold") { await pair.helpdesk.status().heldDeletes == 7 }
        #expect(try await pair.helpdesk.runner.rejectDeletes() == 7)
        try await eventually("the rows written back") { try await pair.helpdesk.sql("SELECT count(*) FROM contacts") == "7" }
        #expect(try await pair.crm.sql("SELECT count(*) FROM customers") == "7")
    }

    @Test("a value the table refuses waits in the retry queue; other records flow; a fix goes through")
    func poisonRecord() async throws {
        let pair = try await Self.synced("poison")
        defer { Task { await pair.stop() } }
        try await pair.helpdesk.sql("""
            CREATE TRIGGER short_names BEFORE UPDATE OF name ON contacts WHEN length(NEW.name) > 20
            BEGIN SELECT RAISE(ABORT, 'name too long for the helpdesk'); END;
            """)
        try await pair.crm.sql("""
            UPDATE customers SET full_name = 'Augusta Ada King, Countess of Lovelace' WHERE id = 1;
            INSERT INTO customers (id, email, full_name) VALUES (2, 'bob@example.com', 'Bob');
            """)
        try await eventually("the other record on the helpdesk") {
            try await pair.helpdesk.sql("SELECT count(*) FROM contacts WHERE mail = 'bob@example.com'") == "1"
        }
        try await eventually("the refused record in the retry queue") { await pair.helpdesk.status().retrying == 1 }
        #expect(try await pair.helpdesk.sql("SELECT name FROM contacts WHERE mail = 'ada@example.com'") == "Ada")
        // The refusal is audited (committed just after the retry queue took it).
        try await eventually("the refusal in the audit log") {
            try pair.helpdesk.node.store.auditEvents(after: 0, limit: 10_000)
                .contains { $0.event.kind == .adapterError && $0.event.detail.contains("name too long") }
        }
        try await pair.crm.sql("UPDATE customers SET full_name = 'Ada King' WHERE id = 1;")
        try await eventually("the fixed value on the helpdesk") {
            try await pair.helpdesk.sql("SELECT name FROM contacts WHERE mail = 'ada@example.com'") == "Ada King"
        }
        try await eventually("the retry queue empty") { await pair.helpdesk.status().retrying == 0 }
    }

    @Test("a renamed mapped column pauses the adapter; changes flow once it is back")
    func schemaDrift() async throws {
        let pair = try await Self.synced("drift")
        defer { Task { await pair.stop() } }
        try await pair.helpdesk.sql("ALTER TABLE contacts RENAME COLUMN tel TO phone_number;")
        try await pair.crm.sql("UPDATE customers SET phone = '+44 2', full_name = 'Ada K' WHERE id = 1;")
        try await eventually("the helpdesk paused") {
            if case .paused(let reason) = await pair.helpdesk.status().state { return reason.contains("tel") }
            return false
        }
        #expect(try await pair.helpdesk.sql("SELECT name FROM contacts") == "Ada")
        try await pair.helpdesk.sql("ALTER TABLE contacts RENAME COLUMN phone_number TO tel;")
        try await eventually("the changes after the fix") {
            try await pair.helpdesk.sql("SELECT name || '|' || tel FROM contacts") == "Ada K|+44 2"
        }
        #expect(await pair.helpdesk.status().state == .running)
    }

    @Test("a capture removed under a running adapter is installed again; edits flow both ways after it")
    func captureInstalledAgain() async throws {
        let pair = try await Self.synced("capture-gone")
        defer { Task { await pair.stop() } }
        try await pair.crm.sql("UPDATE customers SET full_name = 'Ada 1';")
        try await eventually("the first edit on the helpdesk") { try await pair.helpdesk.sql("SELECT name FROM contacts") == "Ada 1" }
        // The helpdesk's cursor passes a few changes (a new outbox numbers from 1 again).
        try await pair.helpdesk.sql("UPDATE contacts SET tel = '+44 5'; UPDATE contacts SET tel = '+44 6'; UPDATE contacts SET tel = '+44 7';")
        try await eventually("the helpdesk's edits on the crm") { try await pair.crm.sql("SELECT phone FROM customers") == "+44 7" }
        // Outbox, key map, control row and triggers gone, as a restore of a
        // copy from before the attach would leave them.
        let other = try SQLiteDriver(path: pair.helpdesk.database, table: "contacts", keyColumn: "contact_id")
        try await other.detach()
        await other.close()
        try await eventually("the capture installed again") {
            try await pair.helpdesk.sql("SELECT count(*) FROM sqlite_master WHERE name = '_tandem_outbox_contacts'") == "1"
        }
        try await eventually("the helpdesk running again") { await pair.helpdesk.status().state == .running }
        #expect(await pair.helpdesk.status().lastError?.contains("capture is missing") == true)
        try await pair.helpdesk.sql("UPDATE contacts SET tel = '+44 9';")
        try await pair.crm.sql("UPDATE customers SET full_name = 'Ada 2';")
        try await eventually("both edits on both sides") {
            guard try await pair.crm.sql("SELECT full_name || '|' || phone FROM customers") == "Ada 2|+44 9" else { return false }
            return try await pair.helpdesk.sql("SELECT name || '|' || tel FROM contacts") == "Ada 2|+44 9"
        }
        #expect(try await pair.helpdesk.sql("SELECT count(*) FROM contacts") == "1")
    }

    @Test("a database restored from an older copy: its outbox went back behind the cursor, and later edits still flow")
    func restoredFromAnOlderCopy() async throws {
        let pair = try await Self.synced("restored")
        defer { Task { await pair.stop() } }
        let copy = pair.directory.appending("helpdesk-copy.db")
        try await pair.helpdesk.sql("VACUUM INTO '\(copy)';")
        // The cursor passes what the copy's outbox numbered.
        try await pair.helpdesk.sql("UPDATE contacts SET tel = '+44 5'; UPDATE contacts SET tel = '+44 6'; UPDATE contacts SET tel = '+44 7';")
        try await eventually("the helpdesk's edits on the crm") { try await pair.crm.sql("SELECT phone FROM customers") == "+44 7" }
        try await pair.stopHelpdesk()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: pair.helpdesk.database + suffix) }
        try FileManager.default.copyItem(atPath: copy, toPath: pair.helpdesk.database)
        try await pair.restartHelpdesk()
        // The CRDT's phone comes back to the restored row; an edit after it flows.
        try await eventually("the restored row repaired") { try await pair.helpdesk.sql("SELECT tel FROM contacts") == "+44 7" }
        try await pair.helpdesk.sql("UPDATE contacts SET name = 'Ada (after the restore)';")
        try await eventually("the edit after the restore on the crm") {
            try await pair.crm.sql("SELECT full_name FROM customers") == "Ada (after the restore)"
        }
        #expect(try await pair.crm.sql("SELECT phone FROM customers") == "+44 7")
    }

    @Test("two rows with one match key on one side are reported, not merged")
    func duplicateKeysReported() async throws {
        let pair = try await Self.synced("duplicates")
        defer { Task { await pair.stop() } }
        try await pair.helpdesk.sql("""
            INSERT INTO contacts (mail, name) VALUES ('bob@example.com', 'Bob one');
            INSERT INTO contacts (mail, name) VALUES ('BOB@example.com', 'Bob two');
            INSERT INTO contacts (mail, tel, name) VALUES ('', NULL, 'Nobody');
            """)
        try await eventually("the duplicate reported") {
            let issues = await pair.helpdesk.status().issues
            return issues["duplicate_key"] == 1 && issues["empty_key"] == 1
        }
        try await eventually("one Bob in the crm") {
            try await pair.crm.sql("SELECT full_name FROM customers WHERE email = 'bob@example.com'") == "Bob one"
        }
        #expect(try await pair.crm.sql("SELECT count(*) FROM customers") == "2")
    }

    @Test("an owned field is refused from other systems and set back; directions in and out hold")
    func ownershipAndDirections() async throws {
        let owners = ["vip": AdapterKeys.crm.nodeID]
        let pair = try await Self.synced(
            "ownership",
            crm: SQLitePair.crmMapping(directions: ["score": .in], owners: owners),
            helpdesk: SQLitePair.helpdeskMapping(directions: ["visits": .out], owners: owners))
        defer { Task { await pair.stop() } }
        try await pair.helpdesk.sql("UPDATE contacts SET is_vip = 1, rating = 9.5, visit_count = 3;")
        try await eventually("the refusal reported and the rating synced") {
            await pair.helpdesk.status().issues["not_owner"] == 1
        }
        // The helpdesk's rating is captured but never written to the crm's `in` column.
        try await eventually("the helpdesk set back") {
            try await pair.helpdesk.sql("SELECT coalesce(is_vip, 'NULL') || '|' || coalesce(visit_count, 'NULL') FROM contacts") == "NULL|NULL"
        }
        #expect(try await pair.crm.sql("SELECT coalesce(vip, 'NULL') || '|' || coalesce(score, 'NULL') FROM customers") == "NULL|NULL")
        // The owner's edit flows.
        try await pair.crm.sql("UPDATE customers SET vip = 1, visits = 4;")
        try await eventually("the owner's edit on the helpdesk") {
            try await pair.helpdesk.sql("SELECT is_vip || '|' || visit_count FROM contacts") == "1|4"
        }
    }
}
