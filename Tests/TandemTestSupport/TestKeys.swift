public import TandemCrypto

/// Fixed identities from fixed seeds, so every run uses the same keys.
public enum TestKeys {
    public static let alice = keyPair(0xA1)
    public static let bob = keyPair(0xB0)
    public static let carol = keyPair(0xC0)
    public static let mallory = keyPair(0x66)

    /// The key pair whose seed is 32 copies of `byte`.
    public static func keyPair(_ byte: UInt8) -> NodeKeyPair {
        do {
            return try NodeKeyPair(seed: Array(repeating: byte, count: NodeKeyPair.seedByteCount))
        } catch {
            fatalError("test key: \(error)")
        }
    }
}
