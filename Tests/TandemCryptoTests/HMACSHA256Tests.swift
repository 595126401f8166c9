import TandemCrypto
import TandemTestSupport
import Testing

/// HMAC-SHA-256 against RFC 4231's test vectors, and verification.
@Suite("HMAC-SHA-256", .ownThread)
struct HMACSHA256Tests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }

    @Test("RFC 4231 test cases 2 (short key) and 6 (a key longer than a block)")
    func vectors() throws {
        let short = try HMACSHA256.authenticate(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
        #expect(Self.hex(short) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let long = try HMACSHA256.authenticate(
            Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8), key: [UInt8](repeating: 0xaa, count: 131))
        #expect(Self.hex(long) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test("verify accepts the tag and refuses another message, key or length")
    func verify() throws {
        let message = Array("payload".utf8), key = Array("secret".utf8)
        let tag = try HMACSHA256.authenticate(message, key: key)
        #expect(HMACSHA256.verify(tag, message: message, key: key))
        #expect(!HMACSHA256.verify(tag, message: Array("payload!".utf8), key: key))
        #expect(!HMACSHA256.verify(tag, message: message, key: Array("other".utf8)))
        #expect(!HMACSHA256.verify(Array(tag.dropLast()), message: message, key: key))
    }
}
