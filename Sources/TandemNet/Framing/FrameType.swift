/// The first byte of a frame's body: which message the frame carries.
///
/// Guarantees: every byte value is representable (a frame of unknown type is
/// parsed, then refused by the handler that sees it, with the type in the
/// error); the named constants are exactly the types in docs/protocol.md.
public struct FrameType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The wire value.
    public var rawValue: UInt8

    /// Wraps a wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// The client's hello: version, node id, challenge, ephemeral key.
    public static let clientHello = FrameType(rawValue: 0x01)
    /// The server's hello: the same fields and a transcript signature.
    public static let serverHello = FrameType(rawValue: 0x02)
    /// The client's transcript signature.
    public static let clientFinish = FrameType(rawValue: 0x03)
    /// A handshake refusal with a one-byte reason.
    public static let refusal = FrameType(rawValue: 0x04)
    /// The 24-byte secretstream header of the sender's encrypted stream.
    public static let streamHeader = FrameType(rawValue: 0x10)
    /// One secretstream ciphertext.
    public static let sealed = FrameType(rawValue: 0x11)

    public var description: String {
        let name: String
        switch self {
        case .clientHello: name = "ClientHello"
        case .serverHello: name = "ServerHello"
        case .clientFinish: name = "ClientFinish"
        case .refusal: name = "Refusal"
        case .streamHeader: name = "StreamHeader"
        case .sealed: name = "Sealed"
        default: name = "unknown"
        }
        let digits = Array("0123456789abcdef")
        return "\(name) (0x\(digits[Int(rawValue >> 4)])\(digits[Int(rawValue & 0x0f)]))"
    }
}
