import Foundation
import Testing
import TandemAdapterCore
import TandemAdapters
import TandemTestSupport

/// The SQLite driver's chunked writes: a chunk runs in one savepoint; when
/// the table refuses one row, the chunk is rolled back and run row by row,
/// so only that row fails.
@Suite struct SQLiteDriverBatchTests {
    static let table = """
        CREATE TABLE contacts (id INTEGER PRIMARY KEY, mail TEXT NOT NULL CHECK (mail LIKE '%@%'), name TEXT);
        """

    func withDriver(_ body: (String, SQLiteDriver) async throws -> Void) async throws {
        let directory = try TemporaryDirectory("sqlite-batch")
        defer { directory.remove() }
        let path = directory.appending("contacts.db")
        try await sqlite3(path, "PRAGMA journal_mode=WAL; " + Self.table)
        let driver = try SQLiteDriver(path: path, table: "contacts", keyColumn: "id")
        try await driver.attach(columns: ["mail", "name"])
        try await body(path, driver)
        await driver.close()
    }

    @Test("a chunk with one poison row: the others are written and mapped, the poison row fails alone")
    func poisonRowFailsAlone() async throws {
        try await withDriver { path, driver in
            let writes: [ExternalWrite] = (1...50).map { index in
                .insert(record: "r\(index)", key: nil,
                        columns: ["mail": .text(index == 17 ? "no at sign" : "u\(index)@x"), "name": .text("n\(index)")])
            }
            let outcomes = try await driver.apply(writes, capturedThrough: 0)
            #expect(outcomes.count == 50)
            for (index, outcome) in outcomes.enumerated() where index != 16 {
                guard case .written = outcome else { Issue.record("row \(index + 1): \(outcome)"); continue }
            }
            guard case .failed(let message) = outcomes[16] else { Issue.record("\(outcomes[16])"); return }
            #expect(message.contains("CHECK"))
            #expect(try await sqlite3(path, "SELECT count(*) FROM contacts") == "49")
            let records = (1...50).map { "r\($0)" }
            let keys = try await driver.keys(forRecords: records)
            #expect(keys.count == 49)
            #expect(keys["r17"] == nil)
            // Each mapping names the row that holds the record's values.
            for (record, key) in keys {
                let index = record.dropFirst()
                #expect(try await sqlite3(path, "SELECT mail FROM contacts WHERE id = \(key)") == "u\(index)@x")
            }
            // Nothing the driver wrote was captured.
            #expect(try await driver.changes(after: 0, limit: 100).changes.isEmpty)
        }
    }

    @Test("a chunk without a poison row writes inserts, updates and deletes together; an uncaptured edit defers its row")
    func cleanChunk() async throws {
        try await withDriver { path, driver in
            try await sqlite3(path, "INSERT INTO contacts (id, mail, name) VALUES (1, 'a@x', 'A'), (2, 'b@x', 'B'), (3, 'c@x', 'C');")
            let captured = try await driver.changes(after: 0, limit: 10).changes
            let through = try #require(captured.last?.sequence)
            try await sqlite3(path, "UPDATE contacts SET name = 'external' WHERE id = 3;")
            let outcomes = try await driver.apply([
                .update(record: "a", key: "1", columns: ["name": .text("A2")]),
                .delete(record: "b", key: "2"),
                .update(record: "c", key: "3", columns: ["name": .text("ours")]),
                .update(record: "d", key: "4", columns: ["mail": .text("d@x"), "name": .null]),
                .insert(record: "e", key: nil, columns: ["mail": .text("e@x")]),
            ], capturedThrough: through)
            #expect(outcomes[0] == .written(key: "1", lastValues: nil))
            guard case .written("2", let last) = outcomes[1] else { Issue.record("\(outcomes[1])"); return }
            #expect(last?["mail"] == .text("b@x"))
            #expect(outcomes[2] == .deferred)
            // An update of a missing row writes it with its key.
            #expect(outcomes[3] == .written(key: "4", lastValues: nil))
            #expect(outcomes[4] == .written(key: "5", lastValues: nil))
            #expect(try await sqlite3(path, "SELECT id || ':' || mail || ':' || coalesce(name, '-') FROM contacts ORDER BY id")
                == "1:a@x:A2\n3:c@x:external\n4:d@x:-\n5:e@x:-")
            #expect(try await driver.keys(forRecords: ["d", "e"]) == ["d": "4", "e": "5"])
        }
    }
}
