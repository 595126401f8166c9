/// Which end of a connection this side is.
///
/// Guarantees: the client (the side that dialled) speaks first and must name
/// the node it expects; the server (the side that accepted) answers only an
/// allow-listed client. The roles also choose the crypto_kx direction, so the
/// two ends of one connection always derive matching keys.
public enum TransportRole: Hashable, Sendable {
    /// The side that opened the connection.
    case client
    /// The side that accepted the connection.
    case server
}
