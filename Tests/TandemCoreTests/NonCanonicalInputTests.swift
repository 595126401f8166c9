import TandemCore
import Testing

/// Well-formed but non-canonical inputs are refused, so that every value has
/// exactly one encoding (docs/protocol.md, "Canonical encoding").
@Suite struct NonCanonicalInputTests {
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
        hollow.raw([0, 0, 0, 1])  // context, base, names, one record
        hollow.writer.writeString("r1")
        hollow.raw([0, 0, 0])  // no presence, fields or sets
        #expect(isNotCanonical(RecordCollection.refusal(hollow.bytes)))
        var unused = PayloadBuilder(RecordCollection.self)
        unused.raw([0, 0, 1])
        unused.writer.writeString("name")
        unused.varint(0)
        #expect(isNotCanonical(RecordCollection.refusal(unused.bytes)))
        // Records out of id order.
        var unsorted = PayloadBuilder(RecordCollection.self)
        unsorted.context(a, prefix: 2)
        unsorted.raw([0, 0, 2])
        for (id, counter) in [("r2", UInt64(1)), ("r1", 2)] {
            unsorted.writer.writeString(id)
            unsorted.varint(1)
            unsorted.dot(0, counter)
            unsorted.raw([0, 0])
        }
        #expect(isNotCanonical(RecordCollection.refusal(unsorted.bytes)))
    }
}
