import PropertyBased
import TandemCore
import TandemTestSupport
import TandemPropertySupport
import Testing

/// The laws, the optimized join and the codecs on arbitrary well-formed
/// states: what a decoder accepts from any peer, faulty writers included.
@Suite(.ownThread) struct ArbitraryStateTests {
    @Test func lawsHoldForArbitraryLWWRegisters() {
        LatticeLaws.check(Arbitrary.triples(Arbitrary.lwwRegister), count: 300, seed: 121)
    }

    @Test func lawsHoldForArbitraryAWORSets() {
        LatticeLaws.check(Arbitrary.triples(Arbitrary.aworSet), count: 300, seed: 122)
    }

    @Test func lawsHoldForArbitraryRecordCollections() {
        LatticeLaws.check(Arbitrary.triples(Arbitrary.recordCollection), count: 300, seed: 123)
    }

    @Test func optimizedJoinEqualsGenericJoinOnArbitraryStates() {
        forAll(Arbitrary.triples(Arbitrary.recordCollection), count: 300, seed: 124) { triple in
            let (a, b, c) = triple
            try #require(a.joined(b).causal == a.causal.joined(b.causal))
            // Again on joined states, whose dot index was built by joins.
            try #require(a.joined(b).joined(c).causal == a.causal.joined(b.causal).joined(c.causal))
        }
    }

    static func checkRoundTrip<T: CanonicalCoding>(_ states: Generator<T, some SendableSequenceType>, seed: UInt64) {
        forAll(states, count: 300, seed: seed) { state in
            let bytes = state.encoded()
            let decoded = try T.decode(bytes)
            try #require(decoded == state)
            try #require(decoded.encoded() == bytes)
        }
    }

    @Test func arbitraryRecordCollectionsRoundTrip() { Self.checkRoundTrip(Arbitrary.recordCollection, seed: 125) }
    @Test func arbitraryLWWRegistersRoundTrip() { Self.checkRoundTrip(Arbitrary.lwwRegister, seed: 126) }
    @Test func arbitraryAWORSetsRoundTrip() { Self.checkRoundTrip(Arbitrary.aworSet, seed: 127) }
}
