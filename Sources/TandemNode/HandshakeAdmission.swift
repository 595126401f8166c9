/// Which unauthenticated connections a node keeps while their handshakes run.
///
/// The listener accepts every TCP connection, and until a connection has
/// completed the handshake nothing is known about who opened it. Each one
/// holds a file descriptor until the handshake timeout, so without a bound a
/// peer that opens connections and says nothing starves the node of file
/// descriptors and legitimate handshakes go unanswered. This type is the
/// bound, as a pure decision: at most ``maxTotal`` unauthenticated
/// connections at once, and at most ``maxPerAddress`` from one address.
/// Admitting a connection over a cap drops the **oldest** unauthenticated
/// connection (the oldest of that address for the per-address cap, the
/// oldest of all for the global cap). A flood of idle connections is thus
/// cycled through oldest first, while a legitimate peer, whose handshake
/// takes a few round trips, is dropped only if more than a cap's worth of
/// newer connections arrive during its handshake.
///
/// Guarantees:
/// - After ``admit(_:address:)`` at most ``maxTotal`` connections are
///   tracked, and at most ``maxPerAddress`` with any one address.
/// - Each admission drops at most one connection (a per-address drop also
///   makes room under the global cap): exactly the one it returns, never
///   the connection being admitted.
/// - Pure: no I/O, no clock; "oldest" is the order of admission.
struct HandshakeAdmission<Connection: Hashable> {
    /// Which cap made a connection drop.
    enum Cap: Hashable, Sendable {
        /// Too many unauthenticated connections from one address.
        case perAddress
        /// Too many unauthenticated connections in all.
        case total
    }

    /// A connection to close, and why.
    struct Drop: Hashable {
        var connection: Connection
        var cap: Cap
    }

    /// The most unauthenticated connections tracked at once (at least 1).
    let maxTotal: Int
    /// The most unauthenticated connections tracked from one address (at least 1).
    let maxPerAddress: Int

    /// The tracked connections, oldest first. The caps are small (hundreds),
    /// so linear scans are cheap, and simpler than indexes kept in step.
    private var pending: [(connection: Connection, address: String?)] = []

    /// Caps below 1 are raised to 1: the connection being admitted is always kept.
    init(maxTotal: Int, maxPerAddress: Int) {
        self.maxTotal = max(1, maxTotal)
        self.maxPerAddress = max(1, maxPerAddress)
    }

    /// The number of connections tracked.
    var count: Int { pending.count }

    /// Whether `connection` is tracked.
    func contains(_ connection: Connection) -> Bool {
        pending.contains { $0.connection == connection }
    }

    /// Tracks a new unauthenticated connection from `address` (an IP address
    /// without port; `nil` when unknown, which counts as one address) and
    /// returns the connection to close to stay within the caps, if any.
    /// Admitting a connection already tracked changes nothing.
    mutating func admit(_ connection: Connection, address: String?) -> Drop? {
        guard !contains(connection) else { return nil }
        defer { pending.append((connection, address)) }
        if pending.count(where: { $0.address == address }) >= maxPerAddress,
           let oldest = pending.firstIndex(where: { $0.address == address }) {
            // Also makes room under the global cap: one drop is enough.
            return Drop(connection: pending.remove(at: oldest).connection, cap: .perAddress)
        }
        if pending.count >= maxTotal, let oldest = pending.first {
            pending.removeFirst()
            return Drop(connection: oldest.connection, cap: .total)
        }
        return nil
    }

    /// Stops tracking `connection`: it completed its handshake or closed.
    mutating func remove(_ connection: Connection) {
        pending.removeAll { $0.connection == connection }
    }
}
