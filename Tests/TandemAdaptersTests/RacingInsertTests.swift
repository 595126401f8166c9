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
}
