import CSodium

/// BLAKE2b through libsodium's `crypto_generichash`.
///
/// Guarantees: ``hash(_:outputByteCount:)`` is deterministic (the same input
/// always gives the same digest, on every platform), never traps for any
/// input, and returns exactly `outputByteCount` bytes. It is unkeyed; use it
/// for transcripts and fingerprints, not as a MAC.
///
/// ```swift
/// let digest = try GenericHash.hash(Array("transcript".utf8)) // 32 bytes
/// ```
public enum GenericHash {
    /// The default (and recommended) digest length: 32 bytes.
    public static let defaultOutputByteCount = Int(crypto_generichash_BYTES)
    /// The shortest digest libsodium can produce: 16 bytes.
    public static let minimumOutputByteCount = Int(crypto_generichash_BYTES_MIN)
    /// The longest digest libsodium can produce: 64 bytes.
    public static let maximumOutputByteCount = Int(crypto_generichash_BYTES_MAX)

    /// The BLAKE2b digest of `message`.
    ///
    /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` when
    ///   `outputByteCount` is outside 16...64; ``CryptoError/sodiumInitFailed``.
    public static func hash(
        _ message: [UInt8],
        outputByteCount: Int = defaultOutputByteCount
    ) throws(CryptoError) -> [UInt8] {
        try Sodium.ensureInitialized()
        guard (minimumOutputByteCount...maximumOutputByteCount).contains(outputByteCount) else {
            throw CryptoError.invalidLength(
                what: "generic hash output",
                expected: defaultOutputByteCount,
                actual: outputByteCount
            )
        }
        var digest = [UInt8](repeating: 0, count: outputByteCount)
        guard crypto_generichash(&digest, outputByteCount, message, UInt64(message.count), nil, 0) == 0 else {
            throw CryptoError.sodiumCallFailed(function: "crypto_generichash")
        }
        return digest
    }
}
