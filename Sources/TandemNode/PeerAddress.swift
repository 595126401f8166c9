public import TandemCore

/// A peer this node dials: its identity and where it listens.
///
/// The identity is checked by the handshake: a server at `host:port` whose
/// key is not `node` is refused (`TransportError.unexpectedPeer`).
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    /// The peer's node id (its Ed25519 public key).
    public var node: NodeID
    /// Host name or IP address.
    public var host: String
    /// TCP port.
    public var port: Int

    public init(node: NodeID, host: String, port: Int) {
        self.node = node
        self.host = host
        self.port = port
    }

    public var description: String { "node \(node) at \(host):\(port)" }
}
