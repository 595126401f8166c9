import NIOCore
import TandemCore
import TandemCrypto
import Testing
@testable import TandemNet
import TandemTestSupport

@Suite("Handshake message encoding")
struct HandshakeMessageTests {
    let hello = Hello(
        node: TestKeys.alice.nodeID,
        challenge: Array(repeating: 0xCC, count: 32),
        ephemeralPublicKey: Array(repeating: 0xEE, count: 32)
    )

    @Test("every message survives encode then parse", arguments: [0, 1, 2, 3])
    func roundtrip(which: Int) throws {
        let messages: [HandshakeMessage] = [
            .clientHello(hello),
            .serverHello(hello, signature: Array(repeating: 0x51, count: 64)),
            .clientFinish(signature: Array(repeating: 0xF1, count: 64)),
            .refusal(.unknownPeer),
        ]
        let message = messages[which]
        let frame = message.frame(allocator: ByteBufferAllocator())
        #expect(try HandshakeMessage(frame: frame) == message)
    }

    @Test("a hello body is 98 bytes laid out as documented")
    func helloLayout() {
        let bytes = hello.bytes(type: .clientHello)
        #expect(bytes.count == 98)
        #expect(bytes[0] == 0x01)
        #expect(bytes[1] == Frame.protocolVersion)
        #expect(Array(bytes[2..<34]) == TestKeys.alice.nodeID.bytes)
        #expect(Array(bytes[34..<66]) == Array(repeating: 0xCC, count: 32))
        #expect(Array(bytes[66..<98]) == Array(repeating: 0xEE, count: 32))
    }

    @Test("wrong sizes are malformed, never a trap", arguments: [(0x01, 96), (0x01, 98), (0x02, 97), (0x03, 63), (0x04, 0), (0x04, 2)])
    func wrongSizes(type: UInt8, count: Int) {
        let frame = Frame(type: FrameType(rawValue: type), payload: ByteBuffer(Array(repeating: 1, count: count)))
        let error = #expect(throws: TransportError.self) { try HandshakeMessage(frame: frame) }
        #expect(error?.reason == .malformedFrame)
    }

    @Test("a hello of another version is a version mismatch")
    func helloVersion() {
        var other = hello
        other.version = 9
        let frame = HandshakeMessage.clientHello(other).frame(allocator: ByteBufferAllocator())
        #expect(throws: TransportError.versionMismatch(ours: 1, theirs: 9, peer: .unknown)) {
            try HandshakeMessage(frame: frame)
        }
    }

    @Test("session frames are not handshake messages")
    func notHandshake() {
        let error = #expect(throws: TransportError.self) {
            try HandshakeMessage(frame: Frame(type: .sealed, payload: ByteBuffer()))
        }
        #expect(error?.reason == .unexpectedFrame)
    }
}
