import CSodium

/// Cryptographically secure random bytes from libsodium (`randombytes_buf`).
///
/// Guarantees: the bytes come from the operating system's secure generator
/// (getrandom or /dev/urandom) through libsodium, are fit for keys, nonces and
/// challenges, and are never derived from a seed the caller can reproduce.
/// Code that needs repeatable runs (tests, the simulator) should take a
/// byte source as a parameter and pass this one in production.
///
/// ```swift
/// let challenge = try SecureRandom.bytes(count: 32)
/// ```
public enum SecureRandom {
    /// Returns `count` random bytes.
    ///
    /// - Precondition: `count >= 0`.
    /// - Throws: ``CryptoError/sodiumInitFailed``.
    public static func bytes(count: Int) throws(CryptoError) -> [UInt8] {
        precondition(count >= 0, "SecureRandom.bytes(count:) needs a non-negative count")
        try Sodium.ensureInitialized()
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress {
                randombytes_buf(base, raw.count)
            }
        }
        return bytes
    }
}
