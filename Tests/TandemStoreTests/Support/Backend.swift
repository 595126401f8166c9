import Testing
import TandemCore
import TandemStore

/// The store implementations one test body runs against (as GRDB's tests
/// run one body against several kinds of database).
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite

    var testDescription: String { rawValue }

    /// Runs `body` with an empty store of this kind owned by `node`. The
    /// SQLite store lives in a fresh temporary directory, closed and removed
    /// afterwards.
    func withStore<T>(node: NodeID = Nodes.local, _ body: (any ReplicaStore) throws -> T) throws -> T {
        switch self {
        case .memory:
            return try body(InMemoryStore(node: node))
        case .sqlite:
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let store = try SQLiteStore(directory: directory.path, node: node, now: 0)
            defer { try? store.close() }
            return try body(store)
        }
    }
}
