/// Hooks through which the node layer counts and audits what the transport
/// decided, without parsing log lines.
///
/// Guarantees: for each connection, ``rejected`` is called at most once,
/// with the error that closed the connection (every case of
/// ``TransportError`` whose ``TransportError/closesConnection`` is true),
/// before the channel closes; ``authenticated`` is called once when the peer
/// has proved its identity, just before ``PeerAuthenticated`` is fired.
/// Both are called on the channel's event loop: they must not block.
///
/// ```swift
/// let events = TransportEvents(
///     rejected: { error in metrics.increment("transport_rejections", label: error.reason.rawValue) },
///     authenticated: { event in audit.record("peer \(event.node) authenticated") }
/// )
/// ```
public struct TransportEvents: Sendable {
    /// Called with the error that is closing a connection.
    public var rejected: @Sendable (TransportError) -> Void
    /// Called when a peer has been authenticated.
    public var authenticated: @Sendable (PeerAuthenticated) -> Void

    /// Hooks that do nothing unless given.
    public init(
        rejected: @escaping @Sendable (TransportError) -> Void = { _ in },
        authenticated: @escaping @Sendable (PeerAuthenticated) -> Void = { _ in }
    ) {
        self.rejected = rejected
        self.authenticated = authenticated
    }
}
