import CSodium

/// An ephemeral X25519 key pair for libsodium's `crypto_kx` key exchange,
/// from which a client and a server derive the same pair of session keys.
///
/// Each side makes a fresh key pair per connection, sends ``publicKey`` to the
/// other, and calls ``clientSessionKeys(serverPublicKey:)`` or
/// ``serverSessionKeys(clientPublicKey:)`` according to its role. The result
/// is two 32-byte keys: the client's ``SessionKeys/transmit`` equals the
/// server's ``SessionKeys/receive`` and vice versa, so each direction of the
/// connection has its own key.
///
/// Guarantees:
/// - The same seed always yields the same key pair (``init(seed:)``), so tests
///   and the simulator can replay a handshake.
/// - The secret key is not exposed; `description` and `dump` show only the
///   public key's first bytes.
/// - A peer public key of the wrong length, or one libsodium rejects (a
///   low-order point), throws a typed error; it never traps.
///
/// Not guaranteed: authentication. `crypto_kx` alone does not tell you who is
/// on the other side; sign the public keys (Tandem's handshake does).
///
/// ```swift
/// let client = try KeyExchange.generate()
/// let server = try KeyExchange.generate()
/// let c = try client.clientSessionKeys(serverPublicKey: server.publicKey)
/// let s = try server.serverSessionKeys(clientPublicKey: client.publicKey)
/// // c.transmit == s.receive, c.receive == s.transmit
/// ```
public struct KeyExchange: Sendable {
    /// The number of bytes in a public key.
    public static let publicKeyByteCount = Int(crypto_kx_PUBLICKEYBYTES)
    /// The number of bytes in a seed for ``init(seed:)``.
    public static let seedByteCount = Int(crypto_kx_SEEDBYTES)
    /// The number of bytes in each session key.
    public static let sessionKeyByteCount = Int(crypto_kx_SESSIONKEYBYTES)

    /// The 32-byte public key to send to the peer.
    public let publicKey: [UInt8]
    private let secretKey: [UInt8]

    /// A fresh key pair from libsodium's secure random generator.
    ///
    /// - Throws: ``CryptoError/sodiumInitFailed`` or
    ///   ``CryptoError/sodiumCallFailed(function:)``.
    public static func generate() throws(CryptoError) -> KeyExchange {
        try Sodium.ensureInitialized()
        var publicKey = [UInt8](repeating: 0, count: publicKeyByteCount)
        var secretKey = [UInt8](repeating: 0, count: Int(crypto_kx_SECRETKEYBYTES))
        guard crypto_kx_keypair(&publicKey, &secretKey) == 0 else {
            throw CryptoError.sodiumCallFailed(function: "crypto_kx_keypair")
        }
        return KeyExchange(publicKey: publicKey, secretKey: secretKey)
    }

    /// The key pair for a 32-byte seed, deterministically.
    ///
    /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` when
    ///   `seed` is not ``seedByteCount`` bytes; ``CryptoError/sodiumInitFailed``.
    public init(seed: [UInt8]) throws(CryptoError) {
        try Sodium.ensureInitialized()
        guard seed.count == KeyExchange.seedByteCount else {
            throw CryptoError.invalidLength(
                what: "key exchange seed",
                expected: KeyExchange.seedByteCount,
                actual: seed.count
            )
        }
        var publicKey = [UInt8](repeating: 0, count: KeyExchange.publicKeyByteCount)
        var secretKey = [UInt8](repeating: 0, count: Int(crypto_kx_SECRETKEYBYTES))
        guard crypto_kx_seed_keypair(&publicKey, &secretKey, seed) == 0 else {
            throw CryptoError.sodiumCallFailed(function: "crypto_kx_seed_keypair")
        }
        self.init(publicKey: publicKey, secretKey: secretKey)
    }

    private init(publicKey: [UInt8], secretKey: [UInt8]) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// The session keys of the client side, given the server's public key.
    ///
    /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` for a key
    ///   of the wrong size; ``CryptoError/keyExchangeFailed`` when libsodium
    ///   rejects the server's key.
    public func clientSessionKeys(serverPublicKey: [UInt8]) throws(CryptoError) -> SessionKeys {
        try KeyExchange.checkPeerKey(serverPublicKey)
        var receive = [UInt8](repeating: 0, count: KeyExchange.sessionKeyByteCount)
        var transmit = [UInt8](repeating: 0, count: KeyExchange.sessionKeyByteCount)
        guard crypto_kx_client_session_keys(&receive, &transmit, publicKey, secretKey, serverPublicKey) == 0 else {
            throw CryptoError.keyExchangeFailed
        }
        return SessionKeys(receive: receive, transmit: transmit)
    }

    /// The session keys of the server side, given the client's public key.
    ///
    /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` for a key
    ///   of the wrong size; ``CryptoError/keyExchangeFailed`` when libsodium
    ///   rejects the client's key.
    public func serverSessionKeys(clientPublicKey: [UInt8]) throws(CryptoError) -> SessionKeys {
        try KeyExchange.checkPeerKey(clientPublicKey)
        var receive = [UInt8](repeating: 0, count: KeyExchange.sessionKeyByteCount)
        var transmit = [UInt8](repeating: 0, count: KeyExchange.sessionKeyByteCount)
        guard crypto_kx_server_session_keys(&receive, &transmit, publicKey, secretKey, clientPublicKey) == 0 else {
            throw CryptoError.keyExchangeFailed
        }
        return SessionKeys(receive: receive, transmit: transmit)
    }

    private static func checkPeerKey(_ key: [UInt8]) throws(CryptoError) {
        guard key.count == publicKeyByteCount else {
            throw CryptoError.invalidLength(
                what: "key exchange public key",
                expected: publicKeyByteCount,
                actual: key.count
            )
        }
    }
}

/// The two 32-byte keys one side of a ``KeyExchange`` derives: one to decrypt
/// what the peer sends (`receive`, libsodium's `rx`) and one to encrypt what
/// this side sends (`transmit`, libsodium's `tx`).
///
/// Guarantees: for a client and a server that exchanged public keys, the
/// client's `transmit` equals the server's `receive` and the client's
/// `receive` equals the server's `transmit`; the two keys of one side differ.
/// `description` and `dump` never show the keys.
public struct SessionKeys: Sendable, Equatable {
    /// The key for data this side receives (libsodium's `rx`).
    public let receive: [UInt8]
    /// The key for data this side sends (libsodium's `tx`).
    public let transmit: [UInt8]

    /// Wraps two session keys, for example ones derived elsewhere in a test.
    public init(receive: [UInt8], transmit: [UInt8]) {
        self.receive = receive
        self.transmit = transmit
    }
}

extension KeyExchange: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `KeyExchange(<first 8 bytes of the public key in hex>)`; never the secret key.
    public var description: String {
        let digits = Array("0123456789abcdef")
        let prefix = publicKey.prefix(8).map { String([digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]]) }.joined()
        return "KeyExchange(\(prefix))"
    }
    /// The same as `description`; never the secret key.
    public var debugDescription: String { description }
    /// Shows only the public key, so `dump` cannot leak the secret key.
    public var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKey]) }
}

extension SessionKeys: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `SessionKeys(redacted)`; never the keys.
    public var description: String { "SessionKeys(redacted)" }
    /// The same as `description`; never the keys.
    public var debugDescription: String { description }
    /// Shows no children, so `dump` cannot leak the keys.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
