public import TandemCore

/// The user inbound event fired once per connection when the peer has proved
/// its identity and the encrypted session is ready.
///
/// Guarantees: `node` is allow-listed, signed this connection's handshake
/// transcript with its key, and (for a client) is the node that was dialled.
/// No payload is passed inbound before this event, and writes made before it
/// fail with ``TransportError/sessionNotEstablished(peer:)``.
public struct PeerAuthenticated: Hashable, Sendable {
    /// The authenticated peer.
    public let node: NodeID

    /// Creates the event.
    public init(node: NodeID) {
        self.node = node
    }
}
