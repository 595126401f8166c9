import TandemAdapterCore
import TandemCore
import TandemTestSupport
import Testing

@Suite("Outbound decisions", .ownThread)
struct OutboundPlannerTests {
    static let mapping = CapturePlannerTests.mapping
    static let schema = CapturePlannerTests.schema
    static let phone = RecordSnapshot.Field(value: .string("+44 2"), editedAtMillis: 2_000, writer: NodeID(byte: 0x22))

    static func write(_ snapshot: RecordSnapshot, row: ExternalRow?) throws -> ExternalWrite? {
        try OutboundPlanner.write(record: snapshot.id, snapshot: snapshot, key: nil, row: row, mapping: mapping, schema: schema)
    }

    @Test("a field the record does not hold: left to the column's default in a new row, NULL in an existing one")
    func absentField() throws {
        // A record whose id was not made from the match key.
        let record = RecordSnapshot(id: "crm:7", fields: ["phone": Self.phone])
        #expect(try Self.write(record, row: nil) == .insert(record: "crm:7", key: nil, columns: ["phone": .text("+44 2")]))
        let row = ExternalRow(key: "7", columns: ["email": .text("a@x"), "phone": .text("+44 2")])
        #expect(try Self.write(record, row: row) == .update(record: "crm:7", key: "7", columns: ["email": .null]))
    }

    @Test("a record that lost its match key field (a delete concurrent with an edit) still shows the key it was matched by")
    func matchKeyFromRecordID() throws {
        let record = RecordSnapshot(id: "email:ann@example.com", fields: ["phone": Self.phone])
        // A new row carries the key, so the table's next insert of that key is found as this record's row.
        #expect(try Self.write(record, row: nil)
            == .insert(record: record.id, key: nil, columns: ["email": .text("ann@example.com"), "phone": .text("+44 2")]))
        // Every table shows the key in one spelling: the one the record id holds.
        let other = ExternalRow(key: "3", columns: ["email": .text("Ann@Example.com"), "phone": .text("+44 2")])
        #expect(try Self.write(record, row: other) == .update(record: record.id, key: "3", columns: ["email": .text("ann@example.com")]))
        let emptied = ExternalRow(key: "3", columns: ["email": .null, "phone": .text("+44 2")])
        #expect(try Self.write(record, row: emptied) == .update(record: record.id, key: "3", columns: ["email": .text("ann@example.com")]))
        let shown = ExternalRow(key: "3", columns: ["email": .text("ann@example.com"), "phone": .text("+44 2")])
        #expect(try Self.write(record, row: shown) == nil)
        // Someone typing that key back into the row writes it with the edit's time; a backfill reading it is no change.
        let capture = CapturedChange(sequence: 1, kind: .update, key: "3", old: emptied.columns, new: shown.columns, editedAtMillis: 3_000)
        let plan = CapturePlannerTests.planner.plan(
            [capture], resolution: KeyResolution(records: [1: record.id]), records: [record.id: record], holdDeletes: false)
        #expect(plan.writes.first?.fields == [CapturePlan.FieldWrite(field: "email", value: .string("ann@example.com"), editedAtMillis: 3_000)])
        let backfilled = CapturedChange(sequence: 1, kind: .insert, key: "3", old: nil, new: shown.columns, editedAtMillis: 0)
        let read = CapturePlannerTests.planner.plan(
            [backfilled], resolution: KeyResolution(records: [1: record.id]), records: [record.id: record], holdDeletes: false,
            backfill: true)
        #expect(read.steps.isEmpty)
        // A key the record does hold, even NULL written by an edit, is the record's own value.
        var cleared = record
        cleared.fields["email"] = .init(value: .null, editedAtMillis: 3_000, writer: NodeID(byte: 0x22))
        #expect(try Self.write(cleared, row: shown) == .update(record: record.id, key: "3", columns: ["email": .null]))
    }
}
