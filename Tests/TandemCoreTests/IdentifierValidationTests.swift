import TandemCore
import TandemTestSupport
import Testing

/// docs/semantics.md, "What is refused": record ids and field names.
@Suite(.ownThread) struct IdentifierValidationTests {
    let a = Fixture.a
    func t(_ physical: UInt64, _ logical: UInt64 = 0) -> HLCTimestamp { Fixture.timestamp(physical, logical) }

    func populated() throws -> RecordCollection {
        var collection = RecordCollection()
        try collection.set("name", to: .string("Ann"), in: "r1", by: a, at: t(1))
        return collection
    }

    @Test func emptyIdentifiersAreRefusedWithNothingChanged() throws {
        var collection = try populated()
        let before = collection
        #expect(throws: CoreError.invalidIdentifier(what: "record id", bytes: 0, limit: 512)) {
            try collection.set("name", to: .null, in: "", by: a, at: t(2))
        }
        #expect(throws: CoreError.invalidIdentifier(what: "field name", bytes: 0, limit: 512)) {
            try collection.set("", to: .null, in: "r1", by: a, at: t(2))
        }
        #expect(throws: CoreError.invalidIdentifier(what: "record id", bytes: 0, limit: 512)) {
            try collection.insert("", by: a)
        }
        #expect(throws: CoreError.invalidIdentifier(what: "field name", bytes: 0, limit: 512)) {
            try collection.add(.int(1), toSet: "", in: "r1", by: a)
        }
        #expect(collection == before)
    }

    @Test func overLongIdentifiersAreRefusedWithTheLimit() throws {
        var collection = try populated()
        let before = collection
        let long = String(repeating: "x", count: 513)
        #expect(throws: CoreError.invalidIdentifier(what: "record id", bytes: 513, limit: 512)) {
            try collection.set("name", to: .null, in: long, by: a, at: t(2))
        }
        #expect(throws: CoreError.invalidIdentifier(what: "field name", bytes: 513, limit: 512)) {
            try collection.set(long, to: .null, in: "r1", by: a, at: t(2))
        }
        try collection.set(String(repeating: "x", count: 512), to: .null, in: "r1", by: a, at: t(2))
        #expect(collection != before)

        // A configured limit, counted in UTF-8 bytes.
        var small = try populated()
        let smallBefore = small
        let limits = Limits(maxIdentifierBytes: 4)
        #expect(throws: CoreError.invalidIdentifier(what: "record id", bytes: 6, limit: 4)) {
            try small.set("name", to: .null, in: "\u{E9}\u{E9}\u{E9}", by: a, at: t(2), limits: limits)
        }
        #expect(small == smallBefore)
        try small.set("name", to: .null, in: "\u{E9}\u{E9}", by: a, at: t(2), limits: limits)
        #expect(small.contains("\u{E9}\u{E9}"))
    }

    /// A batch is checked whole before any write: one bad entry refuses all.
    @Test func updateWithOneInvalidEntryChangesNothing() throws {
        var collection = try populated()
        let before = collection
        #expect(throws: CoreError.invalidIdentifier(what: "field name", bytes: 0, limit: 512)) {
            try collection.update("r1", fields: [("email", .string("ann@example.com")), ("", .null)], by: a, at: t(2))
        }
        #expect(throws: CoreError.notANumber) {
            try collection.update("r2", fields: [("email", .string("x")), ("score", .double(.nan))], by: a, at: t(2))
        }
        #expect(collection == before)
        #expect(collection.nextDotCounter(for: a) == before.nextDotCounter(for: a))
    }
}

extension RecordCollection {
    func nextDotCounter(for node: NodeID) -> UInt64 { context.nextDot(for: node).counter }
}
