import CSodium

/// HMAC-SHA-256 (RFC 2104) through libsodium's `crypto_auth_hmacsha256`
/// streaming API, which takes a key of any length: what webhook senders
/// (CRMs, helpdesks) sign their payloads with.
///
/// Guarantees: ``authenticate(_:key:)`` returns 32 bytes and never traps;
/// ``verify(_:message:key:)`` compares in constant time (`sodium_memcmp`)
/// and is false for a tag of any other length.
///
/// ```swift
/// let tag = try HMACSHA256.authenticate(Array(body), key: Array("secret".utf8))
/// ```
public enum HMACSHA256 {
    /// The tag length: 32 bytes.
    public static let tagByteCount = Int(crypto_auth_hmacsha256_BYTES)

    /// The HMAC-SHA-256 tag of `message` under `key`.
    public static func authenticate(_ message: [UInt8], key: [UInt8]) throws(CryptoError) -> [UInt8] {
        try Sodium.ensureInitialized()
        var state = crypto_auth_hmacsha256_state()
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        guard crypto_auth_hmacsha256_init(&state, key, key.count) == 0,
              crypto_auth_hmacsha256_update(&state, message, UInt64(message.count)) == 0,
              crypto_auth_hmacsha256_final(&state, &tag) == 0
        else { throw CryptoError.sodiumCallFailed(function: "crypto_auth_hmacsha256") }
        return tag
    }

    /// Whether `tag` is the HMAC-SHA-256 of `message` under `key`.
    public static func verify(_ tag: [UInt8], message: [UInt8], key: [UInt8]) -> Bool {
        guard tag.count == tagByteCount, let expected = try? authenticate(message, key: key) else { return false }
        return sodium_memcmp(tag, expected, tagByteCount) == 0
    }
}
