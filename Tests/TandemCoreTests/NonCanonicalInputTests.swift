import TandemCore
import TandemTestSupport
import Testing

/// Well-formed but non-canonical inputs are refused, so that every value has
/// exactly one encoding (docs/protocol.md, "Canonical encoding").
@Suite(.ownThread) struct NonCanonicalInputTests {
    let a = Fixture.a, b = Fixture.b

    func isNotCanonical(_ error: DecodingError?) -> Bool {
        if case .notCanonical? = error?.reason { return true }
        return false
    }

    @Test func contextNodesOutOfOrderOrEmptyAreRefused() {
        var unsorted = PayloadBuilder(AWORSet.self)
        unsorted.varint(2)
        unsorted.contextEntry(b, prefix: 1)
        unsorted.contextEntry(a, prefix: 1)
        unsorted.varint(0)
        #expect(isNotCanonical(AWORSet.refusal(unsorted.bytes)))
        var repeated = PayloadBuilder(AWORSet.self)
        repeated.varint(2)
        repeated.contextEntry(a, prefix: 1)
        repeated.contextEntry(a, prefix: 2)
        repeated.varint(0)
        #expect(isNotCanonical(AWORSet.refusal(repeated.bytes)))
        var empty = PayloadBuilder(AWORSet.self)
        empty.context(a, prefix: 0)
        empty.varint(0)
        #expect(isNotCanonical(AWORSet.refusal(empty.bytes)))
    }

    @Test(arguments: [("b", "a", 1), ("a", "a", 1), ("a", "b", 0)])
    func setElementsOutOfOrderRepeatedOrWithoutDotsAreRefused(first: String, second: String, dots: Int) {
        var set = PayloadBuilder(AWORSet.self)
        set.context(a, prefix: 2)
        set.varint(2)
        set.string(Array(first.utf8))
        set.varint(1)
        set.dot(0, 1)
        set.string(Array(second.utf8))
        set.varint(UInt64(dots))
        if dots > 0 { set.dot(0, 2) }
        #expect(isNotCanonical(AWORSet.refusal(set.bytes)))
    }

    @Test func registerEntriesOutOfOrderOrWithALowBaseAreRefused() {
        var unsorted = PayloadBuilder(LWWRegister.self)
        unsorted.context(a, prefix: 2)
        unsorted.varint(0)  // base
        unsorted.varint(2)
        unsorted.dot(0, 2)
        unsorted.varint(0)
        unsorted.raw([0])  // null
        unsorted.dot(0, 1)
        unsorted.varint(1)
        unsorted.raw([0])
        #expect(isNotCanonical(LWWRegister.refusal(unsorted.bytes)))
        // The base must be the smallest timestamp, not below it.
        var base = PayloadBuilder(LWWRegister.self)
        base.context(a, prefix: 1)
        base.varint(5)
        base.varint(1)
        base.dot(0, 1)
        base.varint(1)
        base.raw([0])
        #expect(isNotCanonical(LWWRegister.refusal(base.bytes)))
        // An empty register written as a zero count after a non-zero base.
        var emptyBase = PayloadBuilder(LWWRegister.self)
        emptyBase.varint(0)
        emptyBase.varint(5)
        emptyBase.varint(0)
        #expect(isNotCanonical(LWWRegister.refusal(emptyBase.bytes)))
    }

    @Test func hollowRecordsAndUnusedNamesAreRefused() {
        var hollow = PayloadBuilder(RecordCollection.self)
        hollow.raw([0, 0, 1, 0])  // context, names, one record, shared prefix
        hollow.writer.writeString("r1")
        hollow.varint(0)  // shape: no presence, fields or sets
        #expect(isNotCanonical(RecordCollection.refusal(hollow.bytes)))
        var unused = PayloadBuilder(RecordCollection.self)
        unused.raw([0, 1])
        unused.writer.writeString("name")
        unused.varint(0)
        #expect(isNotCanonical(RecordCollection.refusal(unused.bytes)))
        // Records out of id order: "r2", then "r1" (sharing "r").
        var unsorted = PayloadBuilder(RecordCollection.self)
        unsorted.context(a, prefix: 2)
        unsorted.raw([0, 2])
        for (shared, suffix, counter) in [(UInt64(0), "r2", UInt64(1)), (1, "1", 2)] {
            unsorted.varint(shared)
            unsorted.writer.writeString(suffix)
            unsorted.varint(1)  // shape: presence only
            unsorted.varint(1)
            unsorted.dot(0, counter)
        }
        #expect(isNotCanonical(RecordCollection.refusal(unsorted.bytes)))
    }

    /// A collection of one record "r1" whose one field "name" (name index 0)
    /// holds one entry, coded as docs/protocol.md describes: `header` (the
    /// value's tag is `5`, a string), then what the flags leave out.
    func oneEntry(header: UInt8, prefix: UInt64 = 1, after: (inout PayloadBuilder) -> Void) -> [UInt8] {
        var payload = PayloadBuilder(RecordCollection.self)
        payload.context(a, prefix: prefix)
        payload.varint(1)
        payload.writer.writeString("name")
        payload.varint(1)
        payload.varint(0)
        payload.writer.writeString("r1")
        payload.varint(1 << 2)  // shape: one field
        payload.raw([header])
        after(&payload)
        payload.writer.writeString("Ann")
        return payload.bytes
    }

    /// The entry flags are not optional: whatever a flag can say must be said
    /// by the flag, so every entry has one encoding.
    @Test func entryFlagsAreCanonical() throws {
        let string: UInt8 = 5, sameNode: UInt8 = 0x08, nextCounter: UInt8 = 0x10
        let sameTimestamp: UInt8 = 0x20, nameSkip: UInt8 = 0x80
        // The canonical form: same node (0) and next counter (1) as flags,
        // the timestamp as a zigzag delta from 0.
        let canonical = oneEntry(header: string | sameNode | nextCounter) { $0.varint(2_000 << 1) }
        let decoded = try RecordCollection.decode(canonical)
        #expect(decoded.value(of: "name", in: "r1") == .string("Ann"))
        #expect(decoded.records["r1"]?.fields["name"]?.entries.first?.timestamp.rawValue == 2_000)
        #expect(decoded.encoded() == canonical)
        // The node index written out though it is the previous entry's.
        #expect(isNotCanonical(RecordCollection.refusal(oneEntry(header: string | nextCounter) {
            $0.varint(0)
            $0.varint(2_000 << 1)
        })))
        // A counter delta of zero, which the flag says.
        #expect(isNotCanonical(RecordCollection.refusal(oneEntry(header: string | sameNode) {
            $0.varint(0)
            $0.varint(2_000 << 1)
        })))
        // A timestamp delta of zero, which the flag says.
        #expect(isNotCanonical(RecordCollection.refusal(oneEntry(header: string | sameNode | nextCounter) {
            $0.varint(0)
        })))
        #expect(try RecordCollection.decode(oneEntry(header: string | sameNode | nextCounter | sameTimestamp) { _ in }).encoded()
            == oneEntry(header: string | sameNode | nextCounter | sameTimestamp) { _ in })
        // A name skip of zero.
        #expect(isNotCanonical(RecordCollection.refusal(oneEntry(header: string | sameNode | nextCounter | nameSkip) {
            $0.varint(0)
            $0.varint(2_000 << 1)
        })))
        // A counter past the context, reached through a delta.
        #expect(RecordCollection.refusal(oneEntry(header: string | sameNode) {
            $0.varint(2)  // zigzag 1: counter 2
            $0.varint(2_000 << 1)
        })?.reason == .dotOutsideContext)
    }

    /// Record ids share the longest prefix they can with the id before them.
    @Test func frontCodedIdsAreCanonical() {
        func twoRecords(second shared: UInt64, _ suffix: String) -> [UInt8] {
            var payload = PayloadBuilder(RecordCollection.self)
            payload.context(a, prefix: 2)
            payload.raw([0, 2])
            for (index, (prefix, text)) in [(UInt64(0), "ab"), (shared, suffix)].enumerated() {
                payload.varint(prefix)
                payload.writer.writeString(text)
                payload.varint(1)
                payload.varint(1)
                payload.dot(0, UInt64(index + 1))
            }
            return payload.bytes
        }
        #expect(RecordCollection.refusal(twoRecords(second: 1, "c")) == nil)  // "ac"
        #expect(RecordCollection.refusal(twoRecords(second: 2, "c")) == nil)  // "abc"
        #expect(isNotCanonical(RecordCollection.refusal(twoRecords(second: 0, "ac"))))  // shares "a"
        #expect(isNotCanonical(RecordCollection.refusal(twoRecords(second: 2, ""))))  // repeats "ab"
        #expect(isNotCanonical(RecordCollection.refusal(twoRecords(second: 1, "a"))))  // "aa" < "ab"
        #expect(RecordCollection.refusal(twoRecords(second: 3, "c"))?.reason == .lengthOutOfRange(3))
    }
}
