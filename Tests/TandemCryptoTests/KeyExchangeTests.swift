import TandemCrypto
import TandemTestSupport
import Testing

@Suite("crypto_kx key exchange", .ownThread)
struct KeyExchangeTests {
    @Test("client and server derive crossed session keys")
    func crossedKeys() throws {
        let client = try KeyExchange.generate()
        let server = try KeyExchange.generate()
        let clientKeys = try client.clientSessionKeys(serverPublicKey: server.publicKey)
        let serverKeys = try server.serverSessionKeys(clientPublicKey: client.publicKey)
        #expect(clientKeys.transmit == serverKeys.receive)
        #expect(clientKeys.receive == serverKeys.transmit)
        #expect(clientKeys.receive != clientKeys.transmit)
        #expect(clientKeys.receive.count == KeyExchange.sessionKeyByteCount)
        #expect(client.publicKey.count == KeyExchange.publicKeyByteCount)
    }

    @Test("the same seed gives the same key pair and session keys")
    func deterministicFromSeed() throws {
        let a = try KeyExchange(seed: Array(repeating: 1, count: 32))
        let b = try KeyExchange(seed: Array(repeating: 1, count: 32))
        let server = try KeyExchange(seed: Array(repeating: 2, count: 32))
        #expect(a.publicKey == b.publicKey)
        #expect(a.publicKey != server.publicKey)
        let keysA = try a.clientSessionKeys(serverPublicKey: server.publicKey)
        let keysB = try b.clientSessionKeys(serverPublicKey: server.publicKey)
        #expect(keysA == keysB)
    }

    @Test("a third party's key pair derives different keys")
    func thirdParty() throws {
        let client = try KeyExchange.generate()
        let server = try KeyExchange.generate()
        let intruder = try KeyExchange.generate()
        let genuine = try server.serverSessionKeys(clientPublicKey: client.publicKey)
        let forged = try intruder.clientSessionKeys(serverPublicKey: server.publicKey)
        #expect(forged.transmit != genuine.receive)
    }

    @Test("a seed of the wrong length throws", arguments: [0, 31, 33])
    func wrongSeedLength(count: Int) {
        #expect(throws: CryptoError.invalidLength(what: "key exchange seed", expected: 32, actual: count)) {
            try KeyExchange(seed: Array(repeating: 0, count: count))
        }
    }

    @Test("a peer public key of the wrong length throws", arguments: [0, 31, 33, 64])
    func wrongPeerKeyLength(count: Int) throws {
        let keys = try KeyExchange.generate()
        let bad = [UInt8](repeating: 9, count: count)
        let expected = CryptoError.invalidLength(what: "key exchange public key", expected: 32, actual: count)
        #expect(throws: expected) { try keys.clientSessionKeys(serverPublicKey: bad) }
        #expect(throws: expected) { try keys.serverSessionKeys(clientPublicKey: bad) }
    }

    @Test("a low-order peer public key is rejected, not trapped on")
    func lowOrderPoint() throws {
        let keys = try KeyExchange.generate()
        // The all-zero point gives an all-zero X25519 shared secret, which
        // libsodium's crypto_scalarmult refuses.
        let zero = [UInt8](repeating: 0, count: 32)
        #expect(throws: CryptoError.keyExchangeFailed) { try keys.clientSessionKeys(serverPublicKey: zero) }
        #expect(throws: CryptoError.keyExchangeFailed) { try keys.serverSessionKeys(clientPublicKey: zero) }
    }

    @Test("descriptions never show secret material")
    func redacted() throws {
        let keys = try KeyExchange(seed: Array(repeating: 3, count: 32))
        #expect(keys.description.hasPrefix("KeyExchange("))
        let session = try keys.clientSessionKeys(serverPublicKey: try KeyExchange.generate().publicKey)
        #expect(session.description == "SessionKeys(redacted)")
        var dumped = ""
        dump(session, to: &dumped)
        #expect(!dumped.contains("\(session.receive[0]),"))
    }
}
