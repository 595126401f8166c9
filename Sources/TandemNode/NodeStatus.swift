import Synchronization
import TandemCore

/// What a node's event loop publishes for readers on other threads.
struct NodeStatus: Sendable {
    var boundPort: Int?
    var connectedPeers: [NodeID] = []
}

/// The published status, behind a lock.
final class StatusBox: Sendable {
    private let state = Mutex(NodeStatus())

    var snapshot: NodeStatus { state.withLock { $0 } }

    func update(_ body: (inout NodeStatus) -> Void) {
        state.withLock { body(&$0) }
    }
}
