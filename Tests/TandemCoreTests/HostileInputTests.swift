import TandemCore
import TandemTestSupport
import Testing

/// Crafted hostile and malformed inputs: each is refused with its specific
/// reason and the offset of the offending bytes, quickly and without
/// allocating what the input claims.
@Suite(.ownThread) struct HostileInputTests {
    let a = Fixture.a, b = Fixture.b

    /// A set `{a: 1...1}` holding "vip" with dot (a, 1): the base most cases corrupt.
    func validSet() -> [UInt8] {
        var set = AWORSet()
        set.add(.string("vip"), dot: Dot(node: a, counter: 1))
        return set.encoded()
    }

    @Test func hugeCountsAreRefusedWithoutAllocating() {
        // Each refusal happens at the count itself (the offsets below), before
        // anything is reserved. 2^60 records after an empty context and name table.
        var records = PayloadBuilder(RecordCollection.self)
        records.raw([0, 0])
        let countOffset = records.offset
        records.varint(1 << 60)
        records.raw([0, 0, 0, 0, 0])
        #expect(RecordCollection.refusal(records.bytes) == DecodingError(offset: countOffset, reason: .lengthOutOfRange(1 << 60)))

        // 2^62 context nodes; UInt64.max set elements; 2^60 register entries.
        var nodes = PayloadBuilder(AWORSet.self)
        nodes.varint(1 << 62)
        #expect(AWORSet.refusal(nodes.bytes) == DecodingError(offset: 6, reason: .lengthOutOfRange(1 << 62)))
        var elements = PayloadBuilder(AWORSet.self)
        elements.varint(0)
        elements.varint(.max)
        #expect(AWORSet.refusal(elements.bytes) == DecodingError(offset: 7, reason: .lengthOutOfRange(.max)))
        var entries = PayloadBuilder(LWWRegister.self)
        entries.context(a, prefix: 1)
        entries.varint(0)
        let entriesOffset = entries.offset
        entries.varint(1 << 60)
        entries.raw([0, 1, 0, 0])
        #expect(LWWRegister.refusal(entries.bytes) == DecodingError(offset: entriesOffset, reason: .lengthOutOfRange(1 << 60)))

        // A record id claiming 2^60 bytes, beyond the identifier limit (after
        // its shared-prefix length, 0 for the first id).
        var id = PayloadBuilder(RecordCollection.self)
        id.raw([0, 0, 1, 0])
        let idOffset = id.offset
        id.varint(1 << 60)
        id.raw(Array(repeating: 0x41, count: 16))
        #expect(RecordCollection.refusal(id.bytes) == DecodingError(offset: idOffset, reason: .lengthOutOfRange(1 << 60)))
    }

    @Test func malformedVarintsAreRefused() {
        // An 11-byte varint as the context's node count.
        let eleven = AWORSet.header + Array(repeating: 0x80, count: 10) + [0x01]
        #expect(AWORSet.refusal(eleven) == DecodingError(offset: 6, reason: .malformedVarint))
        // A 10-byte varint overflowing 64 bits.
        let overflow = AWORSet.header + Array(repeating: 0xFF, count: 9) + [0x02]
        #expect(AWORSet.refusal(overflow) == DecodingError(offset: 6, reason: .malformedVarint))
        // Non-minimal: zero in two bytes, and 1 in two bytes.
        #expect(AWORSet.refusal(AWORSet.header + [0x80, 0x00, 0x00]) == DecodingError(offset: 6, reason: .malformedVarint))
        #expect(AWORSet.refusal(AWORSet.header + [0x81, 0x00, 0x00]) == DecodingError(offset: 6, reason: .malformedVarint))
        // A well-formed 10-byte varint is a count, refused as out of range.
        let maximal = AWORSet.header + Array(repeating: 0xFF, count: 9) + [0x01]
        #expect(AWORSet.refusal(maximal) == DecodingError(offset: 6, reason: .lengthOutOfRange(.max)))
    }

    @Test func headerProblemsHaveTheirOwnReasons() {
        var bytes = validSet()
        bytes[3] = 0x58  // "TNDX"
        #expect(AWORSet.refusal(bytes) == DecodingError(offset: 0, reason: .badMagic))
        bytes = validSet()
        for version: UInt8 in [1, CanonicalFormat.version + 1] {
            bytes[4] = version
            #expect(AWORSet.refusal(bytes) == DecodingError(offset: 4, reason: .unsupportedVersion(version)))
        }
        #expect(LWWRegister.refusal(validSet()) == DecodingError(offset: 5, reason: .wrongKind(expected: 2, found: 3)))
        #expect(RecordCollection.refusal(validSet()) == DecodingError(offset: 5, reason: .wrongKind(expected: 1, found: 3)))
        #expect(AWORSet.refusal(Array(CanonicalFormat.magic.prefix(3))) == DecodingError(offset: 0, reason: .truncated))
        #expect(AWORSet.refusal([]) == DecodingError(offset: 0, reason: .truncated))
        let limits = Limits(maxEncodedBytes: 8)
        #expect(AWORSet.refusal(validSet(), limits: limits)?.reason == .inputTooLarge(bytes: validSet().count, limit: 8))
    }

    @Test func dotsOutsideTheContextAreRefused() {
        for (index, counter) in [(UInt64(0), UInt64(2)), (0, 0)] {
            var set = PayloadBuilder(AWORSet.self)
            set.context(a, prefix: 1)
            set.varint(1)
            set.string(Array("vip".utf8))
            set.varint(1)
            let dotOffset = set.offset
            set.dot(index, counter)
            #expect(AWORSet.refusal(set.bytes) == DecodingError(offset: dotOffset, reason: .dotOutsideContext))
        }
        // A node index past the node table.
        var set = PayloadBuilder(AWORSet.self)
        set.context(a, prefix: 1)
        set.varint(1)
        set.string(Array("vip".utf8))
        set.varint(1)
        let dotOffset = set.offset
        set.dot(1, 1)
        #expect(AWORSet.refusal(set.bytes) == DecodingError(offset: dotOffset, reason: .indexOutOfRange(1)))
    }

    @Test func nanValuesAreRefused() {
        let nanBits: [UInt64] = [Double.nan.bitPattern, (-Double.nan).bitPattern, 0x7FF0_0000_0000_0001, 0xFFFF_FFFF_FFFF_FFFF]
        for bits in nanBits {
            var set = PayloadBuilder(AWORSet.self)
            set.context(a, prefix: 1)
            set.varint(1)
            let valueOffset = set.offset
            set.double(bits: bits)
            set.varint(1)
            set.dot(0, 1)
            #expect(AWORSet.refusal(set.bytes) == DecodingError(offset: valueOffset, reason: .invalidValue(.notANumber)))

            var register = PayloadBuilder(LWWRegister.self)
            register.context(a, prefix: 1)
            register.varint(0)  // base
            register.varint(1)
            register.dot(0, 1)
            register.varint(0)
            let registerValueOffset = register.offset
            register.double(bits: bits)
            #expect(LWWRegister.refusal(register.bytes) == DecodingError(offset: registerValueOffset, reason: .invalidValue(.notANumber)))
        }
        // Infinity is a value.
        var set = PayloadBuilder(AWORSet.self)
        set.context(a, prefix: 1)
        set.varint(1)
        set.double(bits: Double.infinity.bitPattern)
        set.varint(1)
        set.dot(0, 1)
        #expect(AWORSet.refusal(set.bytes) == nil)
    }

    @Test func invalidUTF8IsRefused() {
        for invalid: [UInt8] in [[0xFF], [0xC3], [0x41, 0x80], [0xED, 0xA0, 0x80], [0xC0, 0xAF]] {
            var set = PayloadBuilder(AWORSet.self)
            set.context(a, prefix: 1)
            set.varint(1)
            let stringOffset = set.offset + 1  // after the value tag
            set.string(invalid)
            set.varint(1)
            set.dot(0, 1)
            #expect(AWORSet.refusal(set.bytes) == DecodingError(offset: stringOffset, reason: .invalidUTF8), "\(invalid)")

            // As a record id (refused at the record's start).
            var records = PayloadBuilder(RecordCollection.self)
            records.context(a, prefix: 1)
            records.raw([0, 1])  // no names, one record
            let idOffset = records.offset
            records.varint(0)  // shared prefix
            records.varint(UInt64(invalid.count))
            records.raw(invalid)
            records.varint(1)  // shape: presence only
            records.varint(1)
            records.dot(0, 1)
            #expect(RecordCollection.refusal(records.bytes) == DecodingError(offset: idOffset, reason: .invalidUTF8), "\(invalid)")
        }
    }

    @Test func trailingBytesAreRefused() throws {
        var collection = RecordCollection()
        try collection.set("name", to: .string("Ann"), in: "r1", by: a, at: Fixture.timestamp(1_000))
        let set = validSet()
        #expect(AWORSet.refusal(set + [0]) == DecodingError(offset: set.count, reason: .trailingBytes(1)))
        let register = LWWRegister().encoded()
        #expect(LWWRegister.refusal(register + [0]) == DecodingError(offset: register.count, reason: .trailingBytes(1)))
        #expect(RecordCollection.refusal(collection.encoded() + [1, 2, 3]) == DecodingError(offset: collection.encoded().count, reason: .trailingBytes(3)))
    }

    @Test func unknownValueTagsAreRefused() {
        var set = PayloadBuilder(AWORSet.self)
        set.context(a, prefix: 1)
        set.varint(1)
        let valueOffset = set.offset
        set.raw([7])
        set.varint(1)
        set.dot(0, 1)
        #expect(AWORSet.refusal(set.bytes) == DecodingError(offset: valueOffset, reason: .unknownValueTag(7)))
    }

    /// Strings and bytes over the limits are refused at their length.
    @Test func overLongValuesAreRefusedAtTheirLength() {
        var set = AWORSet()
        set.add(.string("vip"), dot: Dot(node: a, counter: 1))
        set.add(.bytes([1, 2, 3]), dot: Dot(node: a, counter: 2))
        let bytes = set.encoded()
        #expect(AWORSet.refusal(bytes, limits: Limits(maxStringBytes: 2))?.reason == .lengthOutOfRange(3))
        #expect(AWORSet.refusal(bytes, limits: Limits(maxBytesLength: 2))?.reason == .lengthOutOfRange(3))
        #expect(AWORSet.refusal(bytes, limits: Limits(maxStringBytes: 3, maxBytesLength: 3)) == nil)
    }
}
