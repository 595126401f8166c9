import TandemCrypto
import TandemTestSupport
import Testing

@Suite("crypto_secretstream_xchacha20poly1305", .ownThread)
struct SecretStreamTests {
    let messages: [[UInt8]] = [Array("first".utf8), [], Array(repeating: 0xAB, count: 70_000), Array("last".utf8)]

    @Test("messages roundtrip in order, including the empty message")
    func roundtrip() throws {
        let key = try SecretStream.generateKey()
        let pusher = try SecretStream.PushState(key: key)
        #expect(pusher.header.count == SecretStream.headerByteCount)
        let puller = try SecretStream.PullState(key: key, header: pusher.header)
        for message in messages {
            let ciphertext = pusher.push(message)
            #expect(ciphertext.count == message.count + SecretStream.additionalByteCount)
            #expect(try puller.pull(ciphertext) == message)
        }
    }

    @Test("the same message encrypts differently each time")
    func freshNonces() throws {
        let pusher = try SecretStream.PushState(key: try SecretStream.generateKey())
        #expect(pusher.push([1, 2, 3]) != pusher.push([1, 2, 3]))
    }

    @Test("flipping any bit of a ciphertext fails, and the state survives", arguments: [0, 8, 17 * 8, 21 * 8 + 7])
    func tampered(bit: Int) throws {
        let key = try SecretStream.generateKey()
        let pusher = try SecretStream.PushState(key: key)
        let puller = try SecretStream.PullState(key: key, header: pusher.header)
        let ciphertext = pusher.push(Array("attack at dawn".utf8)) // 14 + 17 bytes
        var tampered = ciphertext
        tampered[bit / 8] ^= 1 << UInt8(bit % 8)
        #expect(throws: CryptoError.decryptionFailed) { try puller.pull(tampered) }
        #expect(try puller.pull(ciphertext) == Array("attack at dawn".utf8))
    }

    @Test("reordered and replayed ciphertexts fail")
    func reorderedAndReplayed() throws {
        let key = try SecretStream.generateKey()
        let pusher = try SecretStream.PushState(key: key)
        let puller = try SecretStream.PullState(key: key, header: pusher.header)
        let first = pusher.push([1])
        let second = pusher.push([2])
        #expect(throws: CryptoError.decryptionFailed) { try puller.pull(second) }
        #expect(try puller.pull(first) == [1])
        #expect(throws: CryptoError.decryptionFailed) { try puller.pull(first) }
        #expect(try puller.pull(second) == [2])
    }

    @Test("truncated ciphertexts fail", arguments: [0, 1, 16, 17, 20])
    func truncated(length: Int) throws {
        let key = try SecretStream.generateKey()
        let pusher = try SecretStream.PushState(key: key)
        let puller = try SecretStream.PullState(key: key, header: pusher.header)
        let ciphertext = pusher.push(Array("four".utf8)) // 21 bytes
        #expect(throws: CryptoError.decryptionFailed) { try puller.pull(Array(ciphertext.prefix(length))) }
    }

    @Test("another key or header fails")
    func wrongKeyOrHeader() throws {
        let key = try SecretStream.generateKey()
        let pusher = try SecretStream.PushState(key: key)
        let ciphertext = pusher.push([42])
        let otherKey = try SecretStream.PullState(key: try SecretStream.generateKey(), header: pusher.header)
        #expect(throws: CryptoError.decryptionFailed) { try otherKey.pull(ciphertext) }
        let otherHeader = try SecretStream.PullState(key: key, header: try SecretStream.PushState(key: key).header)
        #expect(throws: CryptoError.decryptionFailed) { try otherHeader.pull(ciphertext) }
    }

    @Test("a final message ends the stream")
    func finalTag() throws {
        let key = try SecretStream.generateKey()
        let pusher = try SecretStream.PushState(key: key)
        let puller = try SecretStream.PullState(key: key, header: pusher.header)
        let (message, tag) = try puller.pullWithTag(pusher.push([7], tag: .final))
        #expect(message == [7])
        #expect(tag == .final)
        #expect(puller.isFinished)
        #expect(throws: CryptoError.streamFinished) { try puller.pull(pusher.push([8])) }
    }

    @Test("keys and headers of the wrong length throw", arguments: [0, 23, 25, 31, 33])
    func wrongLengths(count: Int) throws {
        let bytes = [UInt8](repeating: 0, count: count)
        if count != SecretStream.keyByteCount {
            #expect(throws: CryptoError.invalidLength(what: "secretstream key", expected: 32, actual: count)) {
                try SecretStream.PushState(key: bytes)
            }
        }
        if count != SecretStream.headerByteCount {
            #expect(throws: CryptoError.invalidLength(what: "secretstream header", expected: 24, actual: count)) {
                try SecretStream.PullState(key: try SecretStream.generateKey(), header: bytes)
            }
        }
    }
}
