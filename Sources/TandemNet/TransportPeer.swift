public import NIOCore
public import TandemCore

/// What one side of a connection knows about the other when something goes
/// wrong: its socket address and, once it has claimed or proved one, its node
/// identity.
///
/// Guarantees: `description` is one readable phrase for logs and audit
/// ("node 1a2b3c4d5e6f7a8b at 10.0.0.7:7070"), naming whatever is known and
/// saying "unknown" for what is not. `node` is the identity the peer claimed
/// in its hello (or the one we dialled); it is proven only once the
/// connection fired ``PeerAuthenticated``.
public struct TransportPeer: Hashable, Sendable, CustomStringConvertible {
    /// The remote socket address, when the channel has one.
    public var address: SocketAddress?
    /// The node the peer claimed to be, or the node we dialled.
    public var node: NodeID?

    /// A peer about which nothing is known yet.
    public static let unknown = TransportPeer(address: nil, node: nil)

    /// Describes a peer.
    public init(address: SocketAddress?, node: NodeID?) {
        self.address = address
        self.node = node
    }

    /// This peer with any unknown field taken from `other`.
    func filling(from other: TransportPeer) -> TransportPeer {
        TransportPeer(address: address ?? other.address, node: node ?? other.node)
    }

    public var description: String {
        let place = address.map(TransportPeer.format) ?? "unknown address"
        if let node {
            return "node \(node) at \(place)"
        }
        return "unidentified peer at \(place)"
    }

    private static func format(_ address: SocketAddress) -> String {
        if let path = address.pathname {
            return path
        }
        guard let ip = address.ipAddress else { return "\(address)" }
        let host = address.protocol == .inet6 ? "[\(ip)]" : ip
        return address.port.map { "\(host):\($0)" } ?? host
    }
}
