import TandemCore
import TandemTestSupport
import Testing

/// Small corruptions of valid encodings (bit flips, replaced, inserted and
/// deleted bytes) are refused or decode to a value whose encoding is exactly
/// the corrupted bytes: the decoders accept only canonical bytes.
@Suite(.ownThread) struct DecoderMutationTests {
    static func mutations(of bytes: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        for index in bytes.indices {
            for bit in 0..<8 {
                var flipped = bytes
                flipped[index] ^= 1 << bit
                result.append(flipped)
            }
            for replacement: UInt8 in [0x00, 0x01, 0x7F, 0x80, 0xFF] where replacement != bytes[index] {
                var replaced = bytes
                replaced[index] = replacement
                result.append(replaced)
            }
            var deleted = bytes
            deleted.remove(at: index)
            result.append(deleted)
        }
        for index in 0...bytes.count {
            for inserted: UInt8 in [0x00, 0x01, 0x80] {
                var longer = bytes
                longer.insert(inserted, at: index)
                result.append(longer)
            }
        }
        return result
    }

    static func check<T: ScriptedCRDT & CanonicalCoding>(_: T.Type, seed: UInt64) throws {
        var accepted = 0
        var refused = 0
        for bytes in T.sampleEncodings(count: 5, seed: seed) {
            for mutated in mutations(of: bytes) {
                if try T.requireCanonicalOrRefused(mutated) == nil { accepted += 1 } else { refused += 1 }
            }
        }
        // Both outcomes occur: the corpus reaches past the first check.
        #expect(accepted > 0)
        #expect(refused > 0)
    }

    @Test func recordCollectionMutationsAreRefusedOrCanonical() throws { try Self.check(RecordCollection.self, seed: 111) }
    @Test func lwwRegisterMutationsAreRefusedOrCanonical() throws { try Self.check(LWWRegister.self, seed: 112) }
    @Test func aworSetMutationsAreRefusedOrCanonical() throws { try Self.check(AWORSet.self, seed: 113) }
}
