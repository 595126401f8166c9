import CSodium

/// Authenticated encryption of an ordered stream of messages with libsodium's
/// `crypto_secretstream_xchacha20poly1305`.
///
/// The sender makes a ``PushState`` from a 32-byte key; it produces a 24-byte
/// ``PushState/header`` that the receiver needs (it is not secret) and then
/// encrypts messages one by one. The receiver makes a ``PullState`` from the
/// same key and the header and decrypts the ciphertexts in the order they
/// were produced.
///
/// Guarantees:
/// - Confidentiality and integrity of each message, and of their order: a
///   ciphertext that was modified, truncated, dropped, duplicated, reordered
///   or encrypted under another key or header makes ``PullState/pull(_:)``
///   throw ``CryptoError/decryptionFailed``; it never traps and never returns
///   unauthenticated bytes.
/// - Nonces are managed inside the state; a state is a reference type, so it
///   cannot be duplicated by copying a value and reuse a nonce.
/// - The key material in a state is wiped when the state is deallocated.
///
/// Not guaranteed: detection of a stream cut short after a complete message;
/// push a ``Tag/final`` message if the receiver must know the stream ended.
///
/// ```swift
/// let key = try SecretStream.generateKey()
/// let pusher = try SecretStream.PushState(key: key)
/// let puller = try SecretStream.PullState(key: key, header: pusher.header)
/// let ciphertext = pusher.push(Array("hello".utf8))
/// let message = try puller.pull(ciphertext) // "hello"
/// ```
public enum SecretStream {
    /// The number of bytes in a key.
    public static let keyByteCount = Int(crypto_secretstream_xchacha20poly1305_keybytes())
    /// The number of bytes in a header.
    public static let headerByteCount = Int(crypto_secretstream_xchacha20poly1305_headerbytes())
    /// How many bytes longer a ciphertext is than its message (tag and MAC).
    public static let additionalByteCount = Int(crypto_secretstream_xchacha20poly1305_abytes())

    /// The tag a message carries; the receiver learns it with
    /// ``PullState/pullWithTag(_:)``.
    public enum Tag: Sendable, Hashable {
        /// An ordinary message.
        case message
        /// The last message of the stream; nothing can be pulled after it.
        case final

        var rawValue: UInt8 {
            switch self {
            case .message: crypto_secretstream_xchacha20poly1305_tag_message()
            case .final: crypto_secretstream_xchacha20poly1305_tag_final()
            }
        }
    }

    /// A fresh random key.
    ///
    /// - Throws: ``CryptoError/sodiumInitFailed``.
    public static func generateKey() throws(CryptoError) -> [UInt8] {
        try SecureRandom.bytes(count: keyByteCount)
    }

    fileprivate static func checkKey(_ key: [UInt8]) throws(CryptoError) {
        guard key.count == keyByteCount else {
            throw CryptoError.invalidLength(what: "secretstream key", expected: keyByteCount, actual: key.count)
        }
    }

    /// The encrypting end of a stream.
    ///
    /// Guarantees: every call to ``push(_:tag:)`` uses a new nonce; the
    /// ciphertext is exactly ``SecretStream/additionalByteCount`` bytes longer
    /// than the message. Not thread-safe: use one state from one thread (or
    /// one event loop) at a time.
    public final class PushState {
        /// The 24-byte header the receiver needs to create its ``PullState``.
        public let header: [UInt8]
        private var state = crypto_secretstream_xchacha20poly1305_state()

        /// Starts a stream under `key` with a fresh random header.
        ///
        /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` for a
        ///   key that is not ``SecretStream/keyByteCount`` bytes;
        ///   ``CryptoError/sodiumInitFailed``.
        public init(key: [UInt8]) throws(CryptoError) {
            try Sodium.ensureInitialized()
            try SecretStream.checkKey(key)
            var header = [UInt8](repeating: 0, count: SecretStream.headerByteCount)
            guard crypto_secretstream_xchacha20poly1305_init_push(&state, &header, key) == 0 else {
                throw CryptoError.sodiumCallFailed(function: "crypto_secretstream_xchacha20poly1305_init_push")
            }
            self.header = header
        }

        deinit {
            withUnsafeMutableBytes(of: &state) { raw in
                if let base = raw.baseAddress { sodium_memzero(base, raw.count) }
            }
        }

        /// Encrypts the next message of the stream.
        public func push(_ message: [UInt8], tag: Tag = .message) -> [UInt8] {
            var ciphertext = [UInt8](repeating: 0, count: message.count + SecretStream.additionalByteCount)
            var length: UInt64 = 0
            // Pushing cannot fail for a state made by `init(key:)` and a message
            // shorter than crypto_secretstream_xchacha20poly1305_MESSAGEBYTES_MAX
            // (about 256 GiB), which an in-memory array cannot reach.
            _ = crypto_secretstream_xchacha20poly1305_push(
                &state, &ciphertext, &length, message, UInt64(message.count), nil, 0, tag.rawValue
            )
            return ciphertext
        }
    }

    /// The decrypting end of a stream.
    ///
    /// Guarantees: ``pull(_:)`` returns a message only when the ciphertext is
    /// the next one the matching ``PushState`` produced; anything else throws
    /// ``CryptoError/decryptionFailed``. A ciphertext that fails authentication
    /// leaves the state unchanged, so the genuine next ciphertext still
    /// decrypts. Not thread-safe.
    public final class PullState {
        private var state = crypto_secretstream_xchacha20poly1305_state()
        /// Whether a message tagged ``Tag/final`` has been pulled.
        public private(set) var isFinished = false

        /// Starts decrypting the stream that `key` and `header` describe.
        ///
        /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` for a
        ///   key or header of the wrong size; ``CryptoError/sodiumInitFailed``.
        public init(key: [UInt8], header: [UInt8]) throws(CryptoError) {
            try Sodium.ensureInitialized()
            try SecretStream.checkKey(key)
            guard header.count == SecretStream.headerByteCount else {
                throw CryptoError.invalidLength(
                    what: "secretstream header",
                    expected: SecretStream.headerByteCount,
                    actual: header.count
                )
            }
            guard crypto_secretstream_xchacha20poly1305_init_pull(&state, header, key) == 0 else {
                throw CryptoError.sodiumCallFailed(function: "crypto_secretstream_xchacha20poly1305_init_pull")
            }
        }

        deinit {
            withUnsafeMutableBytes(of: &state) { raw in
                if let base = raw.baseAddress { sodium_memzero(base, raw.count) }
            }
        }

        /// Decrypts the next ciphertext of the stream.
        ///
        /// - Throws: ``CryptoError/decryptionFailed`` (tampered, truncated,
        ///   reordered, replayed or foreign ciphertext);
        ///   ``CryptoError/streamFinished`` after a final message.
        public func pull(_ ciphertext: [UInt8]) throws(CryptoError) -> [UInt8] {
            try pullWithTag(ciphertext).message
        }

        /// Decrypts the next ciphertext and returns its tag as well.
        ///
        /// - Throws: as ``pull(_:)``.
        public func pullWithTag(_ ciphertext: [UInt8]) throws(CryptoError) -> (message: [UInt8], tag: Tag) {
            guard !isFinished else { throw CryptoError.streamFinished }
            guard ciphertext.count >= SecretStream.additionalByteCount else {
                throw CryptoError.decryptionFailed
            }
            var message = [UInt8](repeating: 0, count: ciphertext.count - SecretStream.additionalByteCount)
            var length: UInt64 = 0
            var rawTag: UInt8 = 0
            // libsodium leaves the state untouched when authentication fails.
            guard
                crypto_secretstream_xchacha20poly1305_pull(
                    &state, &message, &length, &rawTag, ciphertext, UInt64(ciphertext.count), nil, 0
                ) == 0
            else {
                throw CryptoError.decryptionFailed
            }
            let tag: Tag
            switch rawTag {
            case Tag.message.rawValue:
                tag = .message
            case Tag.final.rawValue:
                tag = .final
                isFinished = true
            default:
                // PUSH and REKEY tags are never produced by PushState; a peer
                // that sends them is not speaking this stream's dialect.
                throw CryptoError.decryptionFailed
            }
            return (message, tag)
        }
    }
}
