import CSodium
public import TandemCore

/// A node's Ed25519 signing key pair; its public key is the node's ``NodeID``.
///
/// Guarantees:
/// - `publicKey` and `nodeID` always describe the same 32 bytes, and a
///   signature from ``sign(_:)`` verifies with
///   ``SignatureVerifier/verify(signature:message:signer:)`` against `nodeID`.
/// - The same seed always yields the same key pair (``init(seed:)``), so tests
///   and the simulator can replay identities.
/// - The secret key is not exposed by the public API, and `description`,
///   `debugDescription` and reflection (`dump`) show only the node id.
///
/// Not guaranteed: the secret key lives in ordinary (non-locked) memory and
/// may be copied with the value; it is not wiped when the value is dropped.
///
/// ```swift
/// let keys = try NodeKeyPair.generate()
/// let signature = keys.sign(Array("hello".utf8))
/// SignatureVerifier.verify(signature: signature, message: Array("hello".utf8), signer: keys.nodeID) // true
/// ```
public struct NodeKeyPair: Sendable {
    /// The number of bytes in a seed (and in the seed line of a key file, halved).
    public static let seedByteCount = Int(crypto_sign_SEEDBYTES)
    /// The number of bytes in a public key.
    public static let publicKeyByteCount = Int(crypto_sign_PUBLICKEYBYTES)

    /// The 32-byte Ed25519 public key.
    public let publicKey: [UInt8]
    /// The node identity: the public key as a ``NodeID``.
    public let nodeID: NodeID
    /// libsodium's 64-byte secret key (seed followed by public key).
    private let secretKey: [UInt8]

    /// Generates a fresh key pair from libsodium's secure random generator.
    ///
    /// - Throws: ``CryptoError/sodiumInitFailed`` or
    ///   ``CryptoError/sodiumCallFailed(function:)``.
    public static func generate() throws(CryptoError) -> NodeKeyPair {
        try Sodium.ensureInitialized()
        var publicKey = [UInt8](repeating: 0, count: publicKeyByteCount)
        var secretKey = [UInt8](repeating: 0, count: Int(crypto_sign_SECRETKEYBYTES))
        guard crypto_sign_keypair(&publicKey, &secretKey) == 0 else {
            throw CryptoError.sodiumCallFailed(function: "crypto_sign_keypair")
        }
        return try NodeKeyPair(publicKey: publicKey, secretKey: secretKey)
    }

    /// Derives the key pair for a 32-byte seed, deterministically.
    ///
    /// - Throws: ``CryptoError/invalidSeedLength(byteCount:)`` when `seed` is
    ///   not ``seedByteCount`` bytes; ``CryptoError/sodiumInitFailed``.
    public init(seed: [UInt8]) throws(CryptoError) {
        try Sodium.ensureInitialized()
        guard seed.count == NodeKeyPair.seedByteCount else {
            throw CryptoError.invalidSeedLength(byteCount: seed.count)
        }
        var publicKey = [UInt8](repeating: 0, count: NodeKeyPair.publicKeyByteCount)
        var secretKey = [UInt8](repeating: 0, count: Int(crypto_sign_SECRETKEYBYTES))
        guard crypto_sign_seed_keypair(&publicKey, &secretKey, seed) == 0 else {
            throw CryptoError.sodiumCallFailed(function: "crypto_sign_seed_keypair")
        }
        try self.init(publicKey: publicKey, secretKey: secretKey)
    }

    private init(publicKey: [UInt8], secretKey: [UInt8]) throws(CryptoError) {
        do {
            nodeID = try NodeID(bytes: publicKey)
        } catch {
            throw CryptoError.invalidPublicKey(error)
        }
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Signs `message`, returning a detached 64-byte Ed25519 signature.
    ///
    /// Ed25519 signing is deterministic: the same key and message always give
    /// the same signature.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: SignatureVerifier.signatureByteCount)
        // crypto_sign_detached cannot fail for a well-formed secret key, which
        // the initialisers guarantee; it always returns 0.
        _ = crypto_sign_detached(&signature, nil, message, UInt64(message.count), secretKey)
        return signature
    }

    /// The 32-byte seed this key pair derives from; only key files need it.
    var seed: [UInt8] {
        var seed = [UInt8](repeating: 0, count: NodeKeyPair.seedByteCount)
        _ = crypto_sign_ed25519_sk_to_seed(&seed, secretKey)
        return seed
    }
}

extension NodeKeyPair: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `NodeKeyPair(<node id prefix>)`; never the secret key.
    public var description: String { "NodeKeyPair(\(nodeID))" }
    /// The same as `description`; never the secret key.
    public var debugDescription: String { description }
    /// Shows only the node id, so `dump` cannot leak the secret key.
    public var customMirror: Mirror { Mirror(self, children: ["nodeID": nodeID]) }
}
