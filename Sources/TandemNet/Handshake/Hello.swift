import TandemCore
import TandemCrypto

/// The fields both hellos share: who the sender is, a fresh challenge and a
/// fresh key-exchange key.
///
/// Guarantees: ``bytes(type:)`` is the exact wire body of the hello (type
/// byte first), 98 bytes, the same bytes every time for the same fields; the
/// transcript hashes these bytes, so what is signed is what was sent.
struct Hello: Hashable, Sendable {
    /// The number of bytes in a challenge.
    static let challengeByteCount = 32
    /// The number of bytes of a hello body, including its type byte.
    static let byteCount = 2 + NodeID.byteCount + challengeByteCount + KeyExchange.publicKeyByteCount

    /// The handshake version the sender speaks (``Frame/protocolVersion``).
    var version: UInt8
    /// The sender's node id: its Ed25519 public key.
    var node: NodeID
    /// 32 random bytes, fresh per connection; the peer's signature covers it.
    var challenge: [UInt8]
    /// The sender's ephemeral crypto_kx public key, fresh per connection.
    var ephemeralPublicKey: [UInt8]

    /// Creates a hello.
    init(version: UInt8 = Frame.protocolVersion, node: NodeID, challenge: [UInt8], ephemeralPublicKey: [UInt8]) {
        self.version = version
        self.node = node
        self.challenge = challenge
        self.ephemeralPublicKey = ephemeralPublicKey
    }

    /// The hello's wire body: `type, version, node id, challenge, key`.
    func bytes(type: FrameType) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Hello.byteCount)
        out.append(type.rawValue)
        out.append(version)
        out.append(contentsOf: node.bytes)
        out.append(contentsOf: challenge)
        out.append(contentsOf: ephemeralPublicKey)
        return out
    }

    /// Reads the fields after the type byte from exactly
    /// `Hello.byteCount - 1` bytes.
    static func parse(_ fields: ArraySlice<UInt8>, type: FrameType) throws(TransportError) -> Hello {
        guard fields.count == Hello.byteCount - 1 else {
            throw TransportError.malformedFrame(
                reason: "\(type) fields must be \(Hello.byteCount - 1) bytes, got \(fields.count)",
                peer: .unknown
            )
        }
        var index = fields.startIndex
        let version = fields[index]
        guard version == Frame.protocolVersion else {
            throw TransportError.versionMismatch(ours: Frame.protocolVersion, theirs: version, peer: .unknown)
        }
        index += 1
        let nodeBytes = fields[index..<index + NodeID.byteCount]
        index += NodeID.byteCount
        let challenge = Array(fields[index..<index + challengeByteCount])
        index += challengeByteCount
        let key = Array(fields[index..<index + KeyExchange.publicKeyByteCount])
        let node: NodeID
        do {
            node = try NodeID(bytes: nodeBytes)
        } catch {
            // Unreachable: the slice is exactly NodeID.byteCount long.
            throw TransportError.malformedFrame(reason: "\(type) node id: \(error)", peer: .unknown)
        }
        return Hello(version: version, node: node, challenge: challenge, ephemeralPublicKey: key)
    }
}
