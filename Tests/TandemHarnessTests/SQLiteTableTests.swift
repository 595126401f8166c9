import Foundation
import TandemHarness
import TandemTestSupport
import Testing

/// The harness's SQLite table: edits, the key map and the write counts.
@Suite("tandem-harness SQLite table", .ownThread)
struct SQLiteTableTests {
    @Test("a row the key map assigns to a record is keyed by it, whatever its email; writes are counted per record")
    func keyMapAndCounts() async throws {
        let directory = try TemporaryDirectory("harness-table")
        defer { directory.remove() }
        let path = directory.appending("t.db")
        let table = try SQLiteTable.create(path: path, schema: NodeSchema.forNode(0), sidestepKnownIssues: true)
        let insert = try await table.apply(.insert(email: "Ada@Example.com", values: ["name": "Ada"], tags: ["vip"]), node: 0, step: 1)
        #expect(insert?.written["email"] == "Ada@Example.com")
        #expect(try await table.rows().map(\.key) == ["ada@example.com"])
        // The adapter's key map, and a row whose email is gone (NULL).
        try await sqlite3(path, """
            CREATE TABLE "_tandem_keys_customers" (pk TEXT PRIMARY KEY, record TEXT NOT NULL UNIQUE);
            INSERT INTO customers (full_name) VALUES ('Grace');
            INSERT INTO "_tandem_keys_customers" VALUES ('2', 'email:grace@example.com');
            """)
        let rows = try await table.rows()
        #expect(Set(rows.map(\.key)) == ["ada@example.com", "grace@example.com"])
        // With the key map followed, an insert of Grace edits her row.
        let again = try await table.apply(.insert(email: "grace@example.com", values: ["phone": "1"], tags: []), node: 0, step: 2)
        #expect(again?.written == ["phone": "1"])
        #expect(try await table.rows().count == 2)
        let counts = try await table.writeCounts()
        #expect(counts["ada@example.com"] == 1)
        #expect(counts["grace@example.com"] == 2)
    }
}
