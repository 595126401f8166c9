import PropertyBased
import TandemCore
import TandemTestSupport
import TandemPropertySupport
import Testing

/// `FieldMap`, a record's fields as one sorted array, against the generic
/// dot map it replaces (with names whose `String` order is not their byte
/// order), and names given in other spellings than Unicode normal form C,
/// which a `RecordCollection` holds in NFC (`Identifier`), where the two
/// orders agree.
@Suite(.ownThread) struct FieldMapTests {
    /// Names whose `String` order differs from their byte order, with two
    /// spellings of one name ("é" precomposed and decomposed).
    static let names = ["name", "f", "\u{E9}", "e\u{301}", "\u{3A9}", "e"]

    static var fieldMap: Generator<FieldMap, some SendableSequenceType> {
        zip(pick(names), Arbitrary.register).array(of: 0...4).map { pairs in
            FieldMap(Dictionary(pairs, uniquingKeysWith: { first, _ in first }))
        }
    }

    static func dictionary(_ map: FieldMap) -> [String: RegisterStore] {
        Dictionary(map.map { ($0.name, $0.register) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func joinEqualsTheGenericDotMapJoin() {
        let pairs = zip(Arbitrary.causal(Self.fieldMap), Arbitrary.causal(Self.fieldMap))
        forAll(pairs, count: 500, seed: 131) { pair in
            let (a, b) = pair
            var joined = a.store
            joined.join(b.store, selfContext: a.context, otherContext: b.context)
            var reference = DotMap(Self.dictionary(a.store))
            reference.join(DotMap(Self.dictionary(b.store)), selfContext: a.context, otherContext: b.context)
            try #require(Self.dictionary(joined) == reference.entries)
            try #require(joined.names == joined.names.sorted())
            try #require(joined.allSatisfy { !$0.register.isEmpty })
        }
    }

    @Test func namesEqualAsStringsAreOneField() throws {
        var replica = RecordCollection()
        try replica.set("\u{E9}", to: .string("precomposed"), in: "r1", by: Fixture.a, at: Fixture.timestamp(1))
        try replica.set("e\u{301}", to: .string("decomposed"), in: "r1", by: Fixture.a, at: Fixture.timestamp(2))
        #expect(replica.records["r1"]?.fields.count == 1)
        #expect(replica.value(of: "\u{E9}", in: "r1") == .string("decomposed"))
        #expect(replica.records["r1"]?.fields.names.map { Array($0.utf8) } == [[0xC3, 0xA9]])
    }

    @Test func namesGivenOutOfNormalFormCAreHeldInItAndRoundTrip() throws {
        // "e\u{301}" (65 CC 81) would precede "f" (66) in bytes but follow
        // it as a string; it is held as "\u{E9}" (C3 A9), after "f" both
        // ways, so the record's fields are written in the order they are held.
        var replica = RecordCollection()
        try replica.update(
            "r1", fields: [("f", .int(1)), ("e\u{301}", .int(2)), ("\u{3A9}", .int(3)), ("name", .int(4))],
            by: Fixture.a, at: Fixture.timestamp(1))
        try replica.set("f", to: .int(5), in: "r2", by: Fixture.b, at: Fixture.timestamp(2))
        let bytes = replica.encoded()
        let decoded = try RecordCollection(decoding: bytes)
        #expect(decoded == replica)
        #expect(decoded.encoded() == bytes)
        #expect(decoded.records["r1"]?.fields.names == ["e\u{301}", "f", "name", "\u{3A9}"].sorted())
        let held = try #require(replica.records["r1"]?.fields.names.map { Array($0.utf8) })
        #expect(held == ["f", "name", "\u{E9}", "\u{3A9}"].map { Array($0.utf8) })
    }

    @Test func spellingsOfOneNameInDifferentRecordsShareOneTableEntry() throws {
        // Each record is written with one spelling, at a different place
        // from the previous record's (so the encoder's per-place memo misses
        // and the name table is asked); both are held in NFC, so they are one
        // name in the table (the decoder refuses any other spelling). U+212A
        // KELVIN SIGN is canonically "K".
        var replica = RecordCollection()
        try replica.update("r1", fields: [("a", .int(0)), ("\u{E9}", .int(1))], by: Fixture.a, at: Fixture.timestamp(1))
        try replica.set("e\u{301}", to: .int(2), in: "r2", by: Fixture.a, at: Fixture.timestamp(2))
        try replica.update("r3", fields: [("A", .int(0)), ("K", .int(3))], by: Fixture.a, at: Fixture.timestamp(3))
        try replica.set("\u{212A}", to: .int(4), in: "r4", by: Fixture.a, at: Fixture.timestamp(4))
        let bytes = replica.encoded()
        let decoded = try RecordCollection(decoding: bytes)
        #expect(decoded == replica)
        #expect(decoded.encoded() == bytes)
        #expect(decoded.value(of: "e\u{301}", in: "r1") == .int(1))
        #expect(decoded.value(of: "K", in: "r4") == .int(4))
        #expect(decoded.records["r4"]?.fields.names.map { Array($0.utf8) } == [Array("K".utf8)])
    }

    @Test func aNameTableHoldingOneNameTwiceIsRefused() throws {
        // Records whose fields are "ddd", "f" and "é" (C3 A9); then "ddd" is
        // rewritten in place as "e\u{301}" (65 CC 81): a table in strictly
        // increasing byte order, no two neighbours equal, whose first and
        // last names are one string. The decoder refuses the name that is
        // not in normal form C.
        var replica = RecordCollection()
        try replica.set("ddd", to: .int(1), in: "r1", by: Fixture.a, at: Fixture.timestamp(1))
        try replica.set("f", to: .int(2), in: "r2", by: Fixture.a, at: Fixture.timestamp(2))
        try replica.set("\u{E9}", to: .int(3), in: "r3", by: Fixture.a, at: Fixture.timestamp(3))
        var bytes = replica.encoded()
        let ddd = Array("ddd".utf8)
        let at = try #require((0...(bytes.count - 3)).first { Array(bytes[$0..<($0 + 3)]) == ddd })
        bytes.replaceSubrange(at..<(at + 3), with: Array("e\u{301}".utf8))
        #expect(Array("e\u{301}".utf8).count == 3)
        #expect(throws: DecodingError.self) { try RecordCollection(decoding: bytes) }
        do {
            _ = try RecordCollection(decoding: bytes)
        } catch {
            guard case .notCanonical(let reason) = error.reason else {
                Issue.record("expected notCanonical, got \(error)")
                return
            }
            #expect(reason.contains("normal form C"))
        }
    }
}
