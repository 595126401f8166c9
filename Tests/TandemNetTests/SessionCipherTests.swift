import NIOCore
import TandemCore
import TandemCrypto
import Testing
@testable import TandemNet

/// The receiving side of a session against a hand-driven peer stream, so a
/// test can push what a well-behaved peer never sends.
@Suite("Session cipher")
struct SessionCipherTests {
    /// Our cipher (the server's keys) and a raw push stream under the
    /// client's transmit key: the peer's side of the session.
    func session() throws -> (cipher: SessionCipher, peer: SecretStream.PushState) {
        let client = try KeyExchange(seed: Array(repeating: 0xC1, count: KeyExchange.seedByteCount))
        let server = try KeyExchange(seed: Array(repeating: 0x5E, count: KeyExchange.seedByteCount))
        let clientKeys = try client.clientSessionKeys(serverPublicKey: server.publicKey)
        let serverKeys = try server.serverSessionKeys(clientPublicKey: client.publicKey)
        var cipher = try SessionCipher(keys: serverKeys)
        let peer = try SecretStream.PushState(key: clientKeys.transmit)
        #expect(try cipher.open(Frame(type: .streamHeader, payload: ByteBuffer(peer.header))) == nil)
        return (cipher, peer)
    }

    func sealed(_ ciphertext: [UInt8]) -> Frame {
        Frame(type: .sealed, payload: ByteBuffer(ciphertext))
    }

    @Test("messages tagged TAG_MESSAGE are opened in order")
    func ordinaryMessages() throws {
        let (opened, peer) = try session()
        var cipher = opened
        #expect(try cipher.open(sealed(peer.push([SessionPlaintext.dataKind, 1, 2]))) == .data([1, 2]))
        #expect(try cipher.open(sealed(peer.push([SessionPlaintext.keepaliveKind]))) == .keepalive)
    }

    @Test("a message tagged TAG_FINAL is refused, and so is everything after it")
    func finalTagRefused() throws {
        let (opened, peer) = try session()
        var cipher = opened
        #expect(try cipher.open(sealed(peer.push([SessionPlaintext.dataKind, 1]))) == .data([1]))
        let final = sealed(peer.push([SessionPlaintext.dataKind, 2], tag: .final))
        #expect(throws: TransportError.decryptionFailed(peer: .unknown)) { try cipher.open(final) }
        // libsodium's stream is over after FINAL: a later (genuine) message
        // is refused too, never delivered.
        let after = sealed(peer.push([SessionPlaintext.dataKind, 3]))
        #expect(throws: TransportError.decryptionFailed(peer: .unknown)) { try cipher.open(after) }
    }
}
