import TandemCore
import TandemTestSupport
import Testing

/// docs/semantics.md, "What is refused": values.
@Suite(.ownThread) struct ValueValidationTests {
    @Test func nanIsRefused() {
        for nan in [Double.nan, -Double.nan, Double.signalingNaN, Double(bitPattern: 0x7FF0_0000_0000_0001)] {
            #expect(throws: CoreError.notANumber) { try Value.double(nan).validate(.default) }
        }
        #expect(throws: Never.self) { try Value.double(.infinity).validate(.default) }
        #expect(throws: Never.self) { try Value.double(-.infinity).validate(.default) }
    }

    @Test func overLongStringsAreRefusedWithTheConfiguredLimit() {
        let limits = Limits(maxStringBytes: 4)
        #expect(throws: Never.self) { try Value.string("abcd").validate(limits) }
        #expect(throws: CoreError.stringTooLong(bytes: 5, limit: 4)) { try Value.string("abcde").validate(limits) }
        // The limit is on UTF-8 bytes, not characters.
        #expect(throws: Never.self) { try Value.string("\u{E9}\u{E9}").validate(limits) }
        #expect(throws: CoreError.stringTooLong(bytes: 6, limit: 4)) { try Value.string("\u{E9}\u{E9}\u{E9}").validate(limits) }
        #expect(throws: Never.self) { try Value.string(String(repeating: "x", count: 1 << 20)).validate(.default) }
        #expect(throws: CoreError.stringTooLong(bytes: (1 << 20) + 1, limit: 1 << 20)) {
            try Value.string(String(repeating: "x", count: (1 << 20) + 1)).validate(.default)
        }
    }

    @Test func overLongBytesAreRefusedWithTheConfiguredLimit() {
        let limits = Limits(maxBytesLength: 3)
        #expect(throws: Never.self) { try Value.bytes([1, 2, 3]).validate(limits) }
        #expect(throws: CoreError.bytesTooLong(bytes: 4, limit: 3)) { try Value.bytes([1, 2, 3, 4]).validate(limits) }
    }

    @Test func positiveAndNegativeZeroAreDistinct() {
        let zero = Value.double(0.0)
        let negativeZero = Value.double(-0.0)
        #expect(zero != negativeZero)
        #expect(Set([zero, negativeZero]).count == 2)
        #expect(negativeZero < zero)
        #expect(!(zero < negativeZero))
        let dot = Dot(node: Fixture.a, counter: 1)
        var first = LWWRegister()
        first.write(zero, dot: dot, timestamp: Fixture.timestamp(1))
        var second = LWWRegister()
        second.write(negativeZero, dot: dot, timestamp: Fixture.timestamp(1))
        #expect(first != second)
        #expect(first.encoded() != second.encoded())
    }

    /// Strings compare by their UTF-8 bytes: canonically equivalent spellings
    /// are different values (as their encodings are).
    @Test func stringsCompareByTheirBytes() {
        let precomposed = Value.string("\u{E9}")
        let decomposed = Value.string("e\u{301}")
        #expect(precomposed != decomposed)
        #expect(Set([precomposed, decomposed]).count == 2)
        #expect((precomposed < decomposed) != (decomposed < precomposed))
    }

    /// Values are totally ordered by kind first, in declaration order.
    @Test func valuesAreTotallyOrdered() {
        let ascending: [Value] = [
            .null, .bool(false), .bool(true), .int(.min), .int(0), .int(.max),
            .double(-.infinity), .double(-1), .double(-0.0), .double(0.0), .double(1), .double(.infinity),
            .string(""), .string("a"), .string("b"), .bytes([]), .bytes([0]),
        ]
        for (i, lhs) in ascending.enumerated() {
            for (j, rhs) in ascending.enumerated() {
                #expect((lhs < rhs) == (i < j), "\(lhs) < \(rhs)")
            }
        }
    }

    @Test func recordCollectionRefusesNaNAndChangesNothing() throws {
        var collection = RecordCollection()
        try collection.set("name", to: .string("Ann"), in: "r1", by: Fixture.a, at: Fixture.timestamp(1))
        let before = collection
        #expect(throws: CoreError.notANumber) {
            try collection.set("score", to: .double(.nan), in: "r1", by: Fixture.a, at: Fixture.timestamp(2))
        }
        #expect(throws: CoreError.notANumber) {
            try collection.add(.double(.nan), toSet: "tags", in: "r1", by: Fixture.a)
        }
        #expect(throws: CoreError.stringTooLong(bytes: 3, limit: 2)) {
            try collection.set("name", to: .string("Ann"), in: "r1", by: Fixture.a, at: Fixture.timestamp(2), limits: Limits(maxStringBytes: 2))
        }
        #expect(collection == before)
    }
}
