import PropertyBased
import TandemCore
import TandemTestSupport
import TandemPropertySupport
import Testing

/// Random bytes never trap a decoder: each is refused with a `DecodingError`
/// or decodes to a value that re-encodes to exactly those bytes.
@Suite(.ownThread) struct DecoderFuzzTests {
    /// Bytes biased towards the small values counts, indexes and tags take.
    static let byte = Gen.frequency((2, Gen.uint8(in: 0...3)), (1, Gen.uint8()))

    static func fuzz<T: ScriptedCRDT & CanonicalCoding>(_: T.Type, seed: UInt64) {
        // Arbitrary bytes: almost all refused at the header.
        forAll(Gen.uint8().array(of: 0...48), count: 1_000, seed: seed) { bytes in
            try T.requireCanonicalOrRefused(bytes)
        }
        // A valid header and random bytes after it.
        forAll(byte.array(of: 0...80), count: 2_000, seed: seed + 1) { tail in
            try T.requireCanonicalOrRefused(T.header + tail)
        }
        // A prefix of a valid encoding and random bytes after it.
        let samples = T.sampleEncodings(count: 20, seed: seed + 2)
        let spliced = zip(Gen.int(in: 0...10_000), Gen.int(in: 0...10_000), byte.array(of: 0...40))
        forAll(spliced, count: 2_000, seed: seed + 3) { sample, cut, tail in
            let bytes = samples[sample % samples.count]
            try T.requireCanonicalOrRefused(Array(bytes.prefix(cut % (bytes.count + 1))) + tail)
        }
    }

    @Test func recordCollectionDecoderSurvivesRandomBytes() { Self.fuzz(RecordCollection.self, seed: 910) }
    @Test func lwwRegisterDecoderSurvivesRandomBytes() { Self.fuzz(LWWRegister.self, seed: 920) }
    @Test func aworSetDecoderSurvivesRandomBytes() { Self.fuzz(AWORSet.self, seed: 930) }
}
