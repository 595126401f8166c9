import TandemCrypto
import TandemTestSupport
import Testing

@Suite("secure random bytes and BLAKE2b", .ownThread)
struct SecureRandomTests {
    @Test("bytes(count:) returns exactly count bytes", arguments: [0, 1, 32, 1000])
    func count(count: Int) throws {
        #expect(try SecureRandom.bytes(count: count).count == count)
    }

    @Test("two draws of 32 bytes differ and are not all zero")
    func unpredictable() throws {
        let a = try SecureRandom.bytes(count: 32)
        let b = try SecureRandom.bytes(count: 32)
        #expect(a != b)
        #expect(a != [UInt8](repeating: 0, count: 32))
    }

    @Test("BLAKE2b-256 matches the published test vectors")
    func knownAnswers() throws {
        #expect(hex(try GenericHash.hash([])) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
        #expect(hex(try GenericHash.hash(Array("abc".utf8))) == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319")
        #expect(try GenericHash.hash([1, 2, 3], outputByteCount: 64).count == 64)
    }

    @Test("an unsupported digest length throws", arguments: [0, 15, 65])
    func badOutputLength(count: Int) {
        #expect(throws: CryptoError.invalidLength(what: "generic hash output", expected: 32, actual: count)) {
            try GenericHash.hash([], outputByteCount: count)
        }
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
    }
}
