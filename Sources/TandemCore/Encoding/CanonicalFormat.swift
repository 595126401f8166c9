/// Constants of Tandem's canonical binary format (docs/protocol.md,
/// "Canonical encoding").
///
/// Every encoded state or delta starts with the 4 magic bytes `TNDM`, one
/// format-version byte and one payload-kind byte. Encoding is deterministic:
/// equal values always give identical bytes (keys and dots sorted, varints
/// minimal, no optional padding), and decoders accept only canonical bytes,
/// so `encode(decode(b)) == b` for every accepted `b`. Signatures over these
/// bytes therefore stay valid however a value is stored and re-encoded.
public enum CanonicalFormat {
    /// The magic bytes "TNDM".
    public static let magic: [UInt8] = [0x54, 0x4E, 0x44, 0x4D]
    /// The format version this build writes and reads.
    public static let version: UInt8 = 2

    /// What an encoded payload holds.
    public enum Kind: UInt8, Sendable {
        case recordCollection = 1
        case lwwRegister = 2
        case aworSet = 3
        case syncMessage = 16
    }

    /// A value's tag: the byte before its payload in a standalone value
    /// (`Value.canonicalBytes`) and the low three bits of a register
    /// entry's header byte (`EntryHeader.tagMask`).
    enum ValueTag: UInt8 {
        case null = 0
        case falseValue = 1
        case trueValue = 2
        case int = 3
        case double = 4
        case string = 5
        case bytes = 6
    }
}
