public import TandemCore

/// Why a `SyncNode` call failed (store and mutator errors pass through
/// unchanged).
public enum NodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The node has not been started, or has been shut down.
    case notRunning
    /// `start()` was called on a node that already started.
    case alreadyStarted
    /// The listener could not bind.
    case bindFailed(host: String, port: Int, detail: String)
    /// The store given to the node belongs to another node.
    case storeOfAnotherNode(store: NodeID, node: NodeID)

    public var description: String {
        switch self {
        case .notRunning: "the node is not running"
        case .alreadyStarted: "the node was already started"
        case .bindFailed(let host, let port, let detail): "cannot listen on \(host):\(port): \(detail)"
        case .storeOfAnotherNode(let store, let node): "the store belongs to node \(store.hex), not to node \(node.hex)"
        }
    }
}
