import CSodium
public import TandemCore

/// Verification of detached Ed25519 signatures against a node identity.
///
/// Guarantees: ``verify(signature:message:signer:)`` never traps and never
/// throws. It returns `true` only when `signature` is a valid libsodium
/// Ed25519 signature of exactly `message` by the key whose public bytes are
/// `signer`; any malformed input (wrong signature length, a public key that is
/// not a valid curve point, libsodium unavailable) returns `false`.
public enum SignatureVerifier {
    /// The number of bytes in a detached Ed25519 signature.
    public static let signatureByteCount = Int(crypto_sign_BYTES)

    /// Whether `signature` is `signer`'s signature of `message`.
    public static func verify(signature: [UInt8], message: [UInt8], signer: NodeID) -> Bool {
        guard (try? Sodium.ensureInitialized()) != nil else { return false }
        guard signature.count == signatureByteCount else { return false }
        let publicKey = signer.bytes
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0
    }
}
