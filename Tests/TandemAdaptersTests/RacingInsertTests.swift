import Foundation
import Testing
import TandemAdapterCore
import TandemAdapters
import TandemTestSupport

/// An insert the adapter makes for a record whose match key another
/// program has just inserted (not captured yet) is deferred, so the table
/// never holds two rows of one key (found by tandem-harness, seed 5).
@Suite struct RacingInsertTests {
    @Test("an insert racing a program's insert of the same match key is deferred; others are written")
    func racingInsertIsDeferred() async throws {
        let directory = try TemporaryDirectory("racing-insert")
        defer { directory.remove() }
        let path = directory.appending("contacts.db")
        try await sqlite3(path, "CREATE TABLE contacts (id INTEGER PRIMARY KEY, mail TEXT, name TEXT);")
        let driver = try SQLiteDriver(path: path, table: "contacts", keyColumn: "id")
        try await driver.attach(columns: ["mail", "name"])
        let mapping = AdapterMapping(
            name: "crm", collection: "contacts", table: "contacts", keyColumn: "id",
            fields: [FieldBinding(field: "email", column: "mail"), FieldBinding(field: "name", column: "name")],
            match: MatchRule(field: "email"))
        let identity = RecordIdentity(mapping: mapping, schema: try await driver.describe())
        // Another program inserts Ann (in another spelling) just before the adapter writes.
        try await sqlite3(path, "INSERT INTO contacts (id, mail, name) VALUES (10, '  Ann@X ', 'Ann typed here');")
        let writes: [ExternalWrite] = [
            .insert(record: "email:ann@x", key: nil, columns: ["mail": .text("ann@x"), "name": .text("Ann from a peer")]),
            .insert(record: "email:bob@x", key: nil, columns: ["mail": .text("bob@x"), "name": .text("Bob")]),
        ]
        let outcomes = try await driver.apply(writes, capturedThrough: 0, identity: identity)
        #expect(outcomes.first == .deferred)
        guard case .written = outcomes.last else { Issue.record("\(outcomes)"); return }
        #expect(try await sqlite3(path, "SELECT count(*) FROM contacts WHERE lower(trim(mail)) = 'ann@x'") == "1")
        // Once that change is captured (acknowledged), the same insert is written.
        let read = try await driver.changes(after: 0, limit: 10)
        let through = try #require(read.changes.last?.sequence)
        let again = try await driver.apply([writes[0]], capturedThrough: through, identity: identity)
        guard case .written = again.first else { Issue.record("\(again)"); return }
        await driver.close()
    }

    @Test("an insert for a record whose row a program has just deleted (not captured yet) is deferred: the row does not come back")
    func insertAfterAnUncapturedDeleteIsDeferred() async throws {
        let directory = try TemporaryDirectory("racing-delete")
        defer { directory.remove() }
        let path = directory.appending("contacts.db")
        try await sqlite3(path, "CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT);")
        let driver = try SQLiteDriver(path: path, table: "contacts", keyColumn: "id")
        try await driver.attach(columns: ["name"])
        try await sqlite3(path, "INSERT INTO contacts (id, name) VALUES (1, 'Ann'), (2, 'Bob');")
        let read = try await driver.changes(after: 0, limit: 10)
        let through = try #require(read.changes.last?.sequence)
        try await driver.map(["1": "ann", "2": "bob"])
        // A program deletes Ann's row; then a parity sweep (or a peer's
        // edit) writes the record the table no longer shows.
        try await sqlite3(path, "DELETE FROM contacts WHERE id = 1;")
        let writes: [ExternalWrite] = [
            .insert(record: "ann", key: nil, columns: ["name": .text("Ann")]),
            .insert(record: "cy", key: nil, columns: ["name": .text("Cy")]),
        ]
        let outcomes = try await driver.apply(writes, capturedThrough: through, identity: nil)
        #expect(outcomes.first == .deferred)
        guard case .written = outcomes.last else { Issue.record("\(outcomes)"); return }
        #expect(try await sqlite3(path, "SELECT group_concat(name) FROM (SELECT name FROM contacts ORDER BY id)") == "Bob,Cy")
        // Once the delete is captured, writing the record again is the
        // runner's decision (a held delete is skipped before this point).
        let after = try await driver.changes(after: through, limit: 10)
        let captured = try #require(after.changes.last?.sequence)
        let again = try await driver.apply([writes[0]], capturedThrough: captured, identity: nil)
        guard case .written = again.first else { Issue.record("\(again)"); return }
        await driver.close()
    }
}

