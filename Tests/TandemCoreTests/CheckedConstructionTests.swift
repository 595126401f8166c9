import TandemCore
import TandemTestSupport
import Testing

/// Issue 12, item 5: what the public initialisers accept keeps the type's
/// rules, so it encodes to bytes the decoder accepts and decodes to an
/// equal value.
@Suite(.ownThread) struct CheckedConstructionTests {
    let dot = Dot(node: Fixture.b, counter: 1)

    /// A record with one field `name` = `value`, written under `dot`.
    func store(_ value: Value, name: String = "f") -> RecordStore {
        let register = RegisterStore(trusted: [RegisterEntry(dot: dot, timestamp: Fixture.timestamp(1), value: value)])
        return RecordStore(presence: DotSet(), fields: FieldMap([name: register]), sets: DotMap())
    }

    /// A dot outside the context used to be encoded under node-table index
    /// 0 (another node's), which the decoder accepted: a different state.
    @Test func aDotOutsideTheContextIsRefused() throws {
        let elsewhere = CausalContext(dots: [Dot(node: Fixture.a, counter: 1)])
        #expect(throws: CoreError.dotOutsideContext(dot, record: "r1")) {
            try RecordCollection(records: ["r1": store(.int(1))], context: elsewhere)
        }
        let built = try RecordCollection(records: ["r1": store(.int(1))], context: CausalContext(dots: [dot]))
        #expect(try RecordCollection(decoding: built.encoded()) == built)
    }

    /// A NaN used to encode to bytes the decoder refuses.
    @Test func anInvalidValueOrIdentifierIsRefused() throws {
        let context = CausalContext(dots: [dot])
        #expect(throws: CoreError.notANumber) { try RecordCollection(records: ["r1": store(.double(.nan))], context: context) }
        #expect(throws: CoreError.invalidIdentifier(what: "record id", bytes: 0, limit: 512)) {
            try RecordCollection(records: ["": store(.int(1))], context: context)
        }
        let long = String(repeating: "x", count: 9)
        let limits = Limits(maxIdentifierBytes: 8)
        #expect(throws: CoreError.invalidIdentifier(what: "field name", bytes: 9, limit: 8)) {
            try RecordCollection(records: ["r1": store(.int(1), name: long)], context: context, limits: limits)
        }
        #expect(throws: CoreError.stringTooLong(bytes: 9, limit: 8)) {
            try RecordCollection(records: ["r1": store(.string(long))], context: context, limits: Limits(maxStringBytes: 8))
        }
    }

    /// `RegisterStore`'s public initialiser used to accept a NaN, which
    /// encoded to bytes the decoder refuses; it checks every value now.
    @Test func aRegisterStoreRefusesInvalidValues() throws {
        func entry(_ value: Value) -> RegisterEntry { RegisterEntry(dot: dot, timestamp: Fixture.timestamp(1), value: value) }
        #expect(throws: CoreError.notANumber) { try RegisterStore([entry(.double(.nan))]) }
        #expect(throws: CoreError.stringTooLong(bytes: 3, limit: 2)) {
            try RegisterStore([entry(.string("abc"))], limits: Limits(maxStringBytes: 2))
        }
        let register = try RegisterStore([entry(.double(-0.0))])
        let built = try RecordCollection(
            records: ["r1": RecordStore(presence: DotSet(), fields: FieldMap(["f": register]), sets: DotMap())],
            context: CausalContext(dots: [dot]))
        #expect(try RecordCollection(decoding: built.encoded()) == built)
    }

    /// Ids and names are held in normal form C whatever spelling they are
    /// given in, as the mutators hold them.
    @Test func idsAndNamesAreHeldInNormalFormC() throws {
        let context = CausalContext(dots: [dot])
        let built = try RecordCollection(records: ["e\u{301}": store(.int(1), name: "A\u{30A}")], context: context)
        #expect(built.recordIDs.map { Array($0.utf8) } == [Array("\u{E9}".utf8)])
        #expect(built.records["\u{E9}"]?.fields.names.map { Array($0.utf8) } == [Array("\u{C5}".utf8)])
        #expect(try RecordCollection(decoding: built.encoded()) == built)
    }
}
