import Synchronization
import TandemCore

/// When each peer was connected and last seen, as observed by the daemon
/// (the node itself publishes only who is connected now).
///
/// Guarantees: safe from any thread; ``observe(connected:now:)`` returns
/// exactly the peers whose state changed since the previous call.
final class PeerTracker: Sendable {
    struct Contact: Hashable, Sendable {
        var connectedSince: UInt64?
        var lastContact: UInt64?
    }

    private let state = Mutex<[NodeID: Contact]>([:])

    /// Records the set of connected peers at `now`; returns those that
    /// connected and those that disconnected since the last call.
    func observe(connected: Set<NodeID>, now: UInt64) -> (connected: [NodeID], disconnected: [NodeID]) {
        state.withLock { contacts in
            var appeared: [NodeID] = []
            var gone: [NodeID] = []
            for peer in connected {
                var contact = contacts[peer] ?? Contact()
                if contact.connectedSince == nil {
                    contact.connectedSince = now
                    appeared.append(peer)
                }
                contact.lastContact = now
                contacts[peer] = contact
            }
            for (peer, contact) in contacts where contact.connectedSince != nil && !connected.contains(peer) {
                contacts[peer]?.connectedSince = nil
                gone.append(peer)
            }
            return (appeared.sorted(), gone.sorted())
        }
    }

    /// What is known of `peer`.
    func contact(_ peer: NodeID) -> Contact { state.withLock { $0[peer] ?? Contact() } }
}
