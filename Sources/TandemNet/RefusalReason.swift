/// Why one side refused a handshake, as carried on the wire in a Refusal
/// frame (one byte; see docs/protocol.md, "Transport").
///
/// Guarantees: every byte value round-trips (`RefusalReason(rawValue:)` never
/// fails), so a code from a newer peer is kept and shown as a number rather
/// than dropped. A refusal is unauthenticated: it helps an operator read the
/// other side's logs, it is never proof of anything.
public struct RefusalReason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The wire value.
    public var rawValue: UInt8

    /// Wraps a wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// The sender does not have our node id in its allow-list.
    public static let unknownPeer = RefusalReason(rawValue: 1)
    /// We are not the node the sender dialled.
    public static let unexpectedPeer = RefusalReason(rawValue: 2)
    /// The sender speaks another protocol version (the Refusal frame's own
    /// version byte says which).
    public static let versionMismatch = RefusalReason(rawValue: 3)
    /// Our signature over the handshake transcript did not verify.
    public static let badSignature = RefusalReason(rawValue: 4)
    /// We did not finish the handshake in time.
    public static let handshakeTimeout = RefusalReason(rawValue: 5)
    /// We sent a malformed, oversized or out-of-order handshake frame, or an
    /// unusable key-exchange key.
    public static let protocolViolation = RefusalReason(rawValue: 6)

    public var description: String {
        switch self {
        case .unknownPeer: "our node id is not in its allow-list"
        case .unexpectedPeer: "we are not the node it dialled"
        case .versionMismatch: "it speaks another protocol version"
        case .badSignature: "our handshake signature did not verify"
        case .handshakeTimeout: "the handshake timed out"
        case .protocolViolation: "we violated the handshake protocol"
        default: "reason code \(rawValue)"
        }
    }
}
