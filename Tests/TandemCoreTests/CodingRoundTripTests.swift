import PropertyBased
import TandemCore
import TandemTestSupport
import TandemPropertySupport
import Testing

/// The canonical encoding: decoding inverts encoding, and equal states give
/// identical bytes however they were built.
@Suite(.ownThread) struct CodingRoundTripTests {
    static func checkRoundTrip<T: ScriptedCRDT & CanonicalCoding>(_: T.Type, seed: UInt64) {
        forAll(T.replays(), count: 100, seed: seed) { replay in
            for state in replay.snapshots + replay.deltas {
                let bytes = state.encoded()
                let decoded = try T.decode(bytes)
                try #require(decoded == state, "decode(encode(x)) == x")
                try #require(decoded.encoded() == bytes, "encode(decode(b)) == b")
            }
        }
    }

    /// The join of all deltas, built in two different shuffled orders and from
    /// the replicas' states, is one state with one encoding.
    static func checkDeterminism<T: ScriptedCRDT & CanonicalCoding>(_: T.Type, seed: UInt64) {
        forAll(zip(T.replays(), Gen.uint64()), count: 100, seed: seed) { replay, shuffleSeed in
            var random = SeededRandom.xoshiro(shuffleSeed)
            let forward = replay.deltas.shuffled(using: &random).reduce(T()) { $0.joined($1) }
            let backward = replay.deltas.shuffled(using: &random).reversed().reduce(T()) { $0.joined($1) }
            let fromStates = replay.joinOfStates
            try #require(forward == backward && backward == fromStates)
            try #require(forward.encoded() == backward.encoded())
            try #require(forward.encoded() == fromStates.encoded())
        }
    }

    @Test func lwwRegisterRoundTrips() { Self.checkRoundTrip(LWWRegister.self, seed: 51) }
    @Test func aworSetRoundTrips() { Self.checkRoundTrip(AWORSet.self, seed: 52) }
    @Test func recordCollectionRoundTrips() { Self.checkRoundTrip(RecordCollection.self, seed: 53) }

    @Test func lwwRegisterEncodingIsDeterministic() { Self.checkDeterminism(LWWRegister.self, seed: 54) }
    @Test func aworSetEncodingIsDeterministic() { Self.checkDeterminism(AWORSet.self, seed: 55) }
    @Test func recordCollectionEncodingIsDeterministic() { Self.checkDeterminism(RecordCollection.self, seed: 56) }

    /// The empty states encode to the header, an empty context and zeros
    /// (for a collection: no names and no records).
    @Test func emptyStatesHaveFixedEncodings() throws {
        #expect(RecordCollection().encoded() == RecordCollection.header + [0, 0, 0])
        #expect(LWWRegister().encoded() == LWWRegister.header + [0, 0, 0])
        #expect(AWORSet().encoded() == AWORSet.header + [0, 0])
        #expect(try RecordCollection.decode(RecordCollection().encoded()) == RecordCollection())
        #expect(try LWWRegister.decode(LWWRegister().encoded()) == LWWRegister())
        #expect(try AWORSet.decode(AWORSet().encoded()) == AWORSet())
    }

    /// Collections with up to 64 field names and with more (the encoder
    /// orders a record's fields one way for each) round-trip, and the
    /// decoder (which rejects fields out of name order) accepts them.
    @Test func collectionsWithManyFieldNamesRoundTrip() throws {
        for nameCount in [1, 63, 64, 65, 130] {
            var collection = RecordCollection()
            var random = SeededRandom.xoshiro(UInt64(nameCount))
            for record in 0..<3 {
                let names = (0..<nameCount).map { "f\($0)" }.shuffled(using: &random)
                let fields = names.prefix(record == 0 ? nameCount : nameCount / 2 + 1).map { ($0, Value.int(Int64($0.count))) }
                try collection.update(
                    "r\(record)", fields: Array(fields), by: Fixture.a,
                    at: HLCTimestamp(rawValue: UInt64(record + 1) << 16))
            }
            let bytes = collection.encoded()
            let decoded = try RecordCollection.decode(bytes)
            #expect(decoded == collection)
            #expect(decoded.encoded() == bytes)
        }
    }

    /// 0.0 and -0.0 are distinct values with distinct encodings.
    @Test func signedZerosEncodeDistinctly() throws {
        var set = AWORSet()
        set.add(.double(0.0), dot: Dot(node: Fixture.a, counter: 1))
        set.add(.double(-0.0), dot: Dot(node: Fixture.a, counter: 2))
        #expect(set.elements.count == 2)
        let decoded = try AWORSet.decode(set.encoded())
        #expect(decoded.elements.map { $0.description } == set.elements.map { $0.description })
        #expect(decoded == set)
    }
}
