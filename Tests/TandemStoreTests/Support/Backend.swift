import TandemCore
import TandemStore
import TandemTestSupport

extension Backend {
    /// Runs `body` with an empty store of this kind owned by `node`. The
    /// SQLite store lives in a fresh temporary directory, closed and removed
    /// afterwards.
    func withStore<T>(node: NodeID = Nodes.local, _ body: (any ReplicaStore) throws -> T) throws -> T {
        switch self {
        case .memory:
            return try body(InMemoryStore(node: node))
        case .sqlite:
            let directory = try TemporaryDirectory("store-tests")
            defer { directory.remove() }
            let store = try SQLiteStore(directory: directory.path, node: node, now: 0)
            defer { try? store.close() }
            return try body(store)
        }
    }
}
