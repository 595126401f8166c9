import TandemAdapterCore
import TandemCore
import TandemTestSupport
import Testing

@Suite("Canonical time", .ownThread)
struct CanonicalTimeTests {
    @Test("ISO 8601 forms read as one canonical UTC timestamp", arguments: [
        ("2026-12-05T10:00:00Z", "2026-12-05T10:00:00.000Z"),
        ("2026-12-05 10:00:00.25", "2026-12-05T10:00:00.250Z"),
        ("2026-12-05T12:00:00.123456+02:00", "2026-12-05T10:00:00.123Z"),
        ("2026-12-05T05:30-0430", "2026-12-05T10:00:00.000Z"),
        ("2026-12-05", "2026-12-05T00:00:00.000Z"),
        ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
        ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"),
    ])
    func timestamps(input: String, expected: String) {
        #expect(CanonicalTime.timestamp(input) == expected)
    }

    @Test("bad dates and times are refused", arguments: [
        "2026-02-30", "2025-02-29", "2026-13-01", "2026-12-05T24:00", "2026-12-05T10:00:00+", "yesterday", "2026-12-05T10:00:00.Z",
    ])
    func refused(input: String) {
        #expect(CanonicalTime.timestamp(input) == nil)
    }

    @Test("dates keep their calendar day")
    func dates() {
        #expect(CanonicalTime.date("2026-01-02") == "2026-01-02")
        #expect(CanonicalTime.date("2026-01-02 23:59:59") == "2026-01-02")
    }
}

@Suite("Value conversion", .ownThread)
struct ValueConversionTests {
    @Test("each column type reads its external forms")
    func reads() throws {
        #expect(try ValueConversion.value(.int(1), column: "c", type: .boolean) == .bool(true))
        #expect(try ValueConversion.value(.text("f"), column: "c", type: .boolean) == .bool(false))
        #expect(try ValueConversion.value(.text(" 42 "), column: "c", type: .integer) == .int(42))
        #expect(try ValueConversion.value(.double(3.0), column: "c", type: .integer) == .int(3))
        #expect(try ValueConversion.value(.int(2), column: "c", type: .real) == .double(2))
        #expect(try ValueConversion.value(.null, column: "c", type: .date) == .null)
        #expect(try ValueConversion.value(.int(7), column: "c", type: .text) == .string("7"))
        #expect(try ValueConversion.elements(.text("[\"b\",\"a\",\"a\",null]"), column: "c", type: .text) == [.string("a"), .string("b")])
        #expect(try ValueConversion.elements(.array([.int(2), .text("x")]), column: "c", type: .array) == [.int(2), .string("x")])
    }

    @Test("values that do not fit are refused with the column named")
    func refused() {
        #expect(throws: ConversionError.self) { try ValueConversion.value(.text("abc"), column: "phone", type: .integer) }
        #expect(throws: ConversionError.self) { try ValueConversion.value(.double(2.5), column: "n", type: .integer) }
        #expect(throws: ConversionError.self) { try ValueConversion.external(.string("soon"), column: "d", type: .date) }
        do {
            _ = try ValueConversion.external(.string("abc"), column: "visits", type: .integer)
        } catch {
            #expect(error.description.contains("visits"))
        }
    }
}

@Suite("Capture decisions", .ownThread)
struct CapturePlannerTests {
    static let writer = NodeID(byte: 0x11)
    static let other = NodeID(byte: 0x22)
    static let mapping = AdapterMapping(
        name: "crm", collection: "contacts", table: "customers", keyColumn: "id",
        fields: [FieldBinding(field: "email", column: "email"), FieldBinding(field: "phone", column: "phone")],
        match: MatchRule(field: "email"), massDeletes: MassDeletePolicy(share: 0.2, minimumRows: 10))
    static let schema = TableSchema(table: "customers", keyColumn: "id", columns: ["id": .integer, "email": .text, "phone": .text])
    static let planner = CapturePlanner(identity: RecordIdentity(mapping: mapping, schema: schema), node: writer)

    /// An update of `phone` (nil: cleared to NULL) on a row that showed "old".
    static func update(_ phone: String?, at time: Int64) -> CapturedChange {
        CapturedChange(sequence: 1, kind: .update, key: "1", old: ["email": .text("a@x"), "phone": .text("old")],
                       new: ["email": .text("a@x"), "phone": phone.map { .text($0) } ?? .null], editedAtMillis: time)
    }

    /// The plan for `change` over a record holding `holding` in `phone` (nil: nothing).
    static func plan(_ change: CapturedChange, holding: RecordSnapshot.Field?) -> CapturePlan {
        let record = RecordSnapshot(id: "email:a@x", fields: holding.map { ["phone": $0] } ?? [:])
        return planner.plan([change], resolution: KeyResolution(records: [1: "email:a@x"]), records: ["email:a@x": record],
                            holdDeletes: false)
    }

    @Test("an edit made after the held value wins, carrying its edit time")
    func newerWins() {
        let plan = Self.plan(Self.update("+44 2", at: 2_000), holding: .init(value: .string("+44 1"), editedAtMillis: 1_000, writer: Self.other))
        #expect(plan.writes.first?.fields == [CapturePlan.FieldWrite(field: "phone", value: .string("+44 2"), editedAtMillis: 2_000)])
        #expect(plan.lost.isEmpty)
    }

    @Test("an edit made before the held value loses: kept as a lost edit, the row repaired")
    func olderLoses() {
        let plan = Self.plan(Self.update("+44 0", at: 500), holding: .init(value: .string("+44 1"), editedAtMillis: 1_000, writer: Self.other))
        #expect(plan.writes.isEmpty)
        #expect(plan.lost.first?.value == .string("+44 0"))
        #expect(plan.repairs == ["email:a@x"])
    }

    @Test("an edit of a row that did not show the held value replaces it as a concurrent edit, kept restorable")
    func concurrentOverwrite() {
        // The row showed "old"; the CRDT meanwhile took "+44 1" from elsewhere.
        let plan = Self.plan(Self.update("+44 2", at: 2_000), holding: .init(value: .string("+44 1"), editedAtMillis: 1_000, writer: Self.other))
        #expect(plan.writes.first?.fields.first?.value == .string("+44 2"))
        #expect(plan.overwritten.first?.value == .string("+44 1"))
        #expect(plan.overwritten.first?.winner == .string("+44 2"))
        // The row showed the held value: a plain edit, nothing overwritten.
        let seen = CapturedChange(sequence: 1, kind: .update, key: "1", old: ["email": .text("a@x"), "phone": .text("+44 1")],
                                  new: ["email": .text("a@x"), "phone": .text("+44 2")], editedAtMillis: 2_000)
        #expect(Self.plan(seen, holding: .init(value: .string("+44 1"), editedAtMillis: 1_000, writer: Self.other)).overwritten.isEmpty)
    }

    @Test("a value equal to the held one is written again when edited later, and is no change when edited earlier")
    func equalValue() {
        let held = RecordSnapshot.Field(value: .string("+44 1"), editedAtMillis: 1_000, writer: Self.other)
        let later = Self.plan(Self.update("+44 1", at: 9_000), holding: held)
        #expect(later.writes.first?.fields == [CapturePlan.FieldWrite(field: "phone", value: .string("+44 1"), editedAtMillis: 9_000)])
        #expect(later.lost.isEmpty && later.overwritten.isEmpty)
        let earlier = Self.plan(Self.update("+44 1", at: 500), holding: held)
        #expect(earlier.steps.isEmpty && earlier.unchanged == 1)
    }

    @Test("a set element an edit adds is added again even when held (a concurrent remove saw only the old add); a backfill only fills in")
    func setElementAddedAgain() {
        let mapping = AdapterMapping(
            name: "crm", collection: "contacts", table: "customers", keyColumn: "id",
            fields: [FieldBinding(field: "email", column: "email"), FieldBinding(field: "tags", column: "tags", isSet: true)],
            match: MatchRule(field: "email"))
        let schema = TableSchema(table: "customers", keyColumn: "id", columns: ["id": .integer, "email": .text, "tags": .array])
        let planner = CapturePlanner(identity: RecordIdentity(mapping: mapping, schema: schema), node: Self.writer)
        let record = RecordSnapshot(
            id: "email:a@x", fields: ["email": .init(value: .string("a@x"), editedAtMillis: 1_000, writer: Self.other)],
            sets: ["tags": [.string("vip")]])
        let insert = CapturedChange(sequence: 1, kind: .insert, key: "1", old: nil,
                                    new: ["email": .text("a@x"), "tags": .array([.text("vip"), .text("churn")])], editedAtMillis: 2_000)
        let plan = planner.plan([insert], resolution: KeyResolution(records: [1: record.id]), records: [record.id: record], holdDeletes: false)
        #expect(plan.writes.first.map { $0.adds.map(\.element) } == [.string("churn"), .string("vip")])
        let backfill = planner.plan([insert], resolution: KeyResolution(records: [1: record.id]), records: [record.id: record],
                                    holdDeletes: false, backfill: true)
        #expect(backfill.writes.first.map { $0.adds.map(\.element) } == [.string("churn")])
    }

    @Test("a field another node owns: a different value is refused and repaired; the held value, or a new row's NULL, is no edit")
    func ownedField() {
        let mapping = AdapterMapping(
            name: "crm", collection: "contacts", table: "customers", keyColumn: "id",
            fields: [FieldBinding(field: "email", column: "email"), FieldBinding(field: "phone", column: "phone")],
            match: MatchRule(field: "email"), owners: ["phone": Self.other])
        let planner = CapturePlanner(identity: RecordIdentity(mapping: mapping, schema: Self.schema), node: Self.writer)
        func plan(_ phone: ExternalValue, holding: Value?, backfill: Bool = false) -> CapturePlan {
            var fields: [String: RecordSnapshot.Field] = ["email": .init(value: .string("a@x"), editedAtMillis: 1_000, writer: Self.other)]
            if let holding { fields["phone"] = .init(value: holding, editedAtMillis: 1_000, writer: Self.other) }
            let record = RecordSnapshot(id: "email:a@x", fields: fields)
            let insert = CapturedChange(sequence: 1, kind: .insert, key: "1", old: nil, new: ["email": .text("a@x"), "phone": phone],
                                        editedAtMillis: 2_000)
            return planner.plan([insert], resolution: KeyResolution(records: [1: record.id]), records: [record.id: record],
                                holdDeletes: false, backfill: backfill)
        }
        let refused = plan(.text("+44 0"), holding: .string("+44 1"))
        #expect(refused.issues.map(\.label) == ["not_owner"])
        #expect(refused.repairs == ["email:a@x"])
        #expect(refused.writes.allSatisfy { !$0.fields.contains { $0.field == "phone" } })
        let shown = plan(.text("+44 1"), holding: .string("+44 1"), backfill: true)
        #expect(shown.issues.isEmpty && shown.repairs.isEmpty)
        let nothing = plan(.null, holding: nil, backfill: true)
        #expect(nothing.issues.isEmpty && nothing.repairs.isEmpty)
        // A new row's NULL where the record holds a value: not given, repaired.
        let notGiven = plan(.null, holding: .string("+44 1"))
        #expect(notGiven.issues.isEmpty && notGiven.repairs == ["email:a@x"])
    }

    @Test("an update that clears a column the record holds nothing in writes NULL with its edit time")
    func clearedWhereNothingHeld() {
        let plan = Self.plan(Self.update(nil, at: 9_000), holding: nil)
        #expect(plan.writes.first?.fields == [CapturePlan.FieldWrite(field: "phone", value: .null, editedAtMillis: 9_000)])
    }

    @Test("mass deletes: held past the share once the minimum is reached", arguments: [
        (9, 1, false), (10, 39, true), (10, 40, false), (100, 1_000_000, false), (300_000, 700_000, true),
    ])
    func massDeletes(pending: Int, remaining: Int, held: Bool) {
        #expect(Self.mapping.massDeletes.holds(pendingDeletes: pending, remainingRows: remaining) == held)
    }

    @Test("the cursor round-trips, held ranges coalesced")
    func cursor() throws {
        var cursor = AdapterCursor(through: 42, backfilled: false, backfillAfter: "k|ü")
        cursor.hold([5, 6, 7, 9])
        #expect(cursor.held == [5...7, 9...9])
        #expect(try AdapterCursor(decoding: cursor.encoded) == cursor)
        #expect(throws: AdapterError.self) { try AdapterCursor(decoding: Array("v9".utf8)) }
    }
}
