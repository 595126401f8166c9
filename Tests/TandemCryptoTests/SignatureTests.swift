import TandemCore
import TandemCrypto
import TandemTestSupport
import Testing

@Suite("Ed25519 keys and signatures", .ownThread)
struct SignatureTests {
    let message: [UInt8] = Array("set field email of record 42 to a@example.com".utf8)

    @Test("a signature verifies for its message and signer")
    func roundtrip() throws {
        let keys = try NodeKeyPair.generate()
        let signature = keys.sign(message)
        #expect(signature.count == SignatureVerifier.signatureByteCount)
        #expect(SignatureVerifier.verify(signature: signature, message: message, signer: keys.nodeID))
    }

    @Test("the empty message can be signed and verified")
    func emptyMessage() throws {
        let keys = try NodeKeyPair.generate()
        let signature = keys.sign([])
        #expect(SignatureVerifier.verify(signature: signature, message: [], signer: keys.nodeID))
        #expect(!SignatureVerifier.verify(signature: signature, message: [0], signer: keys.nodeID))
    }

    @Test("flipping any one bit of the message fails verification", arguments: [0, 7, 100, 359])
    func flippedMessageBit(bit: Int) throws {
        let keys = try NodeKeyPair(seed: Array(repeating: 7, count: 32))
        let signature = keys.sign(message)
        var tampered = message
        tampered[bit / 8] ^= 1 << UInt8(bit % 8)
        #expect(!SignatureVerifier.verify(signature: signature, message: tampered, signer: keys.nodeID))
    }

    @Test("flipping any one bit of the signature fails verification", arguments: [0, 255, 256, 511])
    func flippedSignatureBit(bit: Int) throws {
        let keys = try NodeKeyPair(seed: Array(repeating: 7, count: 32))
        var signature = keys.sign(message)
        signature[bit / 8] ^= 1 << UInt8(bit % 8)
        #expect(!SignatureVerifier.verify(signature: signature, message: message, signer: keys.nodeID))
    }

    @Test("a signature does not verify against another node's key")
    func otherKey() throws {
        let keys = try NodeKeyPair.generate()
        let other = try NodeKeyPair.generate()
        #expect(keys.nodeID != other.nodeID)
        #expect(!SignatureVerifier.verify(signature: keys.sign(message), message: message, signer: other.nodeID))
    }

    @Test("a signature of the wrong length returns false", arguments: [0, 1, 63, 65, 128])
    func wrongLength(count: Int) throws {
        let keys = try NodeKeyPair.generate()
        let signature = Array((keys.sign(message) + keys.sign(message) + [0]).prefix(count))
        #expect(!SignatureVerifier.verify(signature: signature, message: message, signer: keys.nodeID))
    }

    @Test("a node id that is not a valid curve point verifies nothing")
    func invalidPublicKey() throws {
        let keys = try NodeKeyPair.generate()
        let bogus = NodeID(words: 0, 0, 0, 0)
        #expect(!SignatureVerifier.verify(signature: keys.sign(message), message: message, signer: bogus))
    }

    @Test("the same seed gives the same keys and signatures")
    func seedDeterminism() throws {
        let seed = Array(UInt8(0)..<32)
        let first = try NodeKeyPair(seed: seed)
        let second = try NodeKeyPair(seed: seed)
        #expect(first.publicKey == second.publicKey)
        #expect(first.nodeID == second.nodeID)
        #expect(first.sign(message) == second.sign(message))

        let different = try NodeKeyPair(seed: Array(UInt8(1)...32))
        #expect(different.nodeID != first.nodeID)
    }

    @Test("seed derivation matches the RFC 8032 test vector")
    func rfc8032Vector() throws {
        // RFC 8032 section 7.1, TEST 1: the empty message.
        let seed = hexBytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let keys = try NodeKeyPair(seed: seed)
        #expect(keys.nodeID.hex == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let expectedSignature = hexBytes(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        )
        #expect(keys.sign([]) == expectedSignature)
    }

    @Test("a seed of the wrong length is refused", arguments: [0, 31, 33, 64])
    func wrongSeedLength(count: Int) {
        #expect(throws: CryptoError.invalidSeedLength(byteCount: count)) {
            try NodeKeyPair(seed: Array(repeating: 1, count: count))
        }
    }

    @Test("the node id is the public key")
    func nodeIDIsPublicKey() throws {
        let keys = try NodeKeyPair.generate()
        #expect(keys.publicKey.count == NodeID.byteCount)
        #expect(keys.nodeID.bytes == keys.publicKey)
        #expect(try NodeID(bytes: keys.publicKey) == keys.nodeID)
    }

    @Test("descriptions show the node id, never the secret key")
    func descriptionHidesSecret() throws {
        let keys = try NodeKeyPair(seed: Array(repeating: 0xab, count: 32))
        #expect(String(describing: keys) == "NodeKeyPair(\(keys.nodeID))")
        var dumped = ""
        dump(keys, to: &dumped)
        #expect(!dumped.contains("171")) // 0xab as a decimal byte
        #expect(!dumped.lowercased().contains("abab"))
    }
}

func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).compactMap { index in
        UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16)
    }
}
