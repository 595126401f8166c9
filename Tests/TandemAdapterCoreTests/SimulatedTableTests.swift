import TandemAdapterCore
import TandemAdapterSim
import TandemCore
import TandemTestSupport
import Testing

/// The simulated table keeps the drivers' guarantees that the adapter core
/// relies on (docs/adapters.md, "Writing a driver").
@Suite(.ownThread) struct SimulatedTableTests {
    static let mapping = AdapterMapping(
        name: "crm", collection: "contacts", table: "crm", keyColumn: "id",
        fields: [FieldBinding(field: "email", column: "email"), FieldBinding(field: "name", column: "name")],
        match: MatchRule(field: "email"))
    static let schema = TableSchema(table: "crm", keyColumn: "id", columns: ["id": .integer, "email": .text, "name": .text])

    @Test func editsAreCapturedAndTheAdaptersWritesAreNot() {
        var table = SimulatedTable(mapping: Self.mapping, schema: Self.schema)
        let key = table.insert(["email": .text("ada@example.com")], at: 10)
        table.update(key, ["name": .text("Ada")], at: 20)
        table.update(key, ["name": .text("Ada")], at: 30)
        #expect(table.read(after: 0, limit: 10).changes.map(\.editedAtMillis) == [10, 20])
        let outcomes = table.apply(
            [.update(record: "email:ada@example.com", key: key, columns: ["name": .text("Ada King")])], capturedThrough: 2, at: 40)
        #expect(outcomes == [.written(key: key, lastValues: nil)])
        #expect(table.sequence == 2)
        #expect(table.echoesRecorded == 0)
        table.capturesOwnWrites = true
        _ = table.apply([.update(record: "email:ada@example.com", key: key, columns: ["name": .text("A.")])], capturedThrough: 2, at: 50)
        #expect(table.echoesRecorded == 1)
        #expect(table.origins[3] == .adapter)
    }

    @Test func aWriteOfARowWithAnUncapturedEditIsDeferred() {
        var table = SimulatedTable(mapping: Self.mapping, schema: Self.schema)
        let key = table.insert(["email": .text("ada@example.com")], at: 10)
        table.update(key, ["name": .text("Ada")], at: 20)
        let write = ExternalWrite.update(record: "r", key: key, columns: ["name": .text("Bob")])
        #expect(table.apply([write], capturedThrough: 1, at: 30) == [.deferred])
        #expect(table.apply([write], capturedThrough: 2, at: 30) == [.written(key: key, lastValues: nil)])
    }

    @Test func aConstraintRefusesOneWriteAndTheOthersCommit() {
        var table = SimulatedTable(mapping: Self.mapping, schema: Self.schema)
        table.maxTextLength = 3
        table.constrainedColumn = "name"
        let outcomes = table.apply([
            .insert(record: "a", key: nil, columns: ["name": .text("Ada King")]),
            .insert(record: "b", key: nil, columns: ["name": .text("Bob")]),
        ], capturedThrough: 0, at: 1)
        guard case .failed = outcomes.first else {
            Issue.record("the long name was written: \(outcomes)")
            return
        }
        #expect(outcomes.last == .written(key: "1", lastValues: nil))
        #expect(table.keys(forRecords: ["a", "b"]) == ["b": "1"])
    }

    @Test func aDroppedColumnIsSchemaDriftUntilRestored() {
        var table = SimulatedTable(mapping: Self.mapping, schema: Self.schema)
        let key = table.insert(["email": .text("ada@example.com"), "name": .text("Ada")], at: 10)
        table.dropColumn("name")
        #expect(SchemaCheck.problem(Self.mapping, table.schema) != nil)
        table.restoreColumn("name")
        #expect(SchemaCheck.problem(Self.mapping, table.schema) == nil)
        #expect(table.rows[key]?["name"] == .null)
    }
}
