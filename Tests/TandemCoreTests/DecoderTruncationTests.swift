import TandemCore
import TandemTestSupport
import Testing

/// Every proper prefix of a valid encoding is refused, as truncated or as a
/// count the remaining bytes cannot hold, at an offset inside the prefix.
@Suite(.ownThread) struct DecoderTruncationTests {
    static func check<T: ScriptedCRDT & CanonicalCoding>(_: T.Type, seed: UInt64) throws {
        for bytes in T.sampleEncodings(count: 15, seed: seed) {
            try #require(T.refusal(bytes) == nil)
            for length in 0..<bytes.count {
                let prefix = Array(bytes.prefix(length))
                let error = try #require(T.refusal(prefix), "a \(length)-byte prefix of \(bytes) was accepted")
                switch error.reason {
                case .truncated, .lengthOutOfRange: break
                default: Issue.record("a \(length)-byte prefix of \(bytes) refused as \(error)")
                }
                #expect(error.offset <= length)
            }
        }
    }

    @Test func recordCollectionTruncationsAreRefused() throws { try Self.check(RecordCollection.self, seed: 101) }
    @Test func lwwRegisterTruncationsAreRefused() throws { try Self.check(LWWRegister.self, seed: 102) }
    @Test func aworSetTruncationsAreRefused() throws { try Self.check(AWORSet.self, seed: 103) }
}
