/// The inside of a Sealed frame: a one-byte kind, then the kind's bytes.
///
/// Guarantees: ``encode(_:)`` and ``decode(_:)`` are inverse; decoding never
/// traps and returns `nil` for an empty plaintext, an unknown kind, or a
/// keepalive with content.
enum SessionPlaintext: Equatable {
    /// Application bytes for the layer above.
    case data([UInt8])
    /// An empty message that only proves the peer is alive.
    case keepalive

    static let dataKind: UInt8 = 0x00
    static let keepaliveKind: UInt8 = 0x01

    static func encode(_ plaintext: SessionPlaintext) -> [UInt8] {
        switch plaintext {
        case .data(let bytes): [dataKind] + bytes
        case .keepalive: [keepaliveKind]
        }
    }

    static func decode(_ bytes: [UInt8]) -> SessionPlaintext? {
        switch bytes.first {
        case dataKind: .data(Array(bytes.dropFirst()))
        case keepaliveKind where bytes.count == 1: .keepalive
        default: nil
        }
    }
}
