import Foundation
import Synchronization
import TandemCore
import TandemPostgresStore
import TandemStore
import TandemTestSupport
import Testing

/// The store implementations every store test body runs against (as GRDB's
/// tests run one body against several kinds of database):
/// `@Test(arguments: StoreBackend.allCases)`. The shared `Backend` of
/// TandemTestSupport names the embedded two, which the sync tests use; the
/// store tests add the PostgreSQL store on a real server.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Runs `body` with an empty store of this kind owned by `node`. The
    /// SQLite store lives in a fresh temporary directory, closed and removed
    /// afterwards; the PostgreSQL store in a fresh schema of the test
    /// process's shared server (`SharedPostgres`), closed and dropped
    /// afterwards.
    func withStore<T>(node: NodeID = Nodes.local, _ body: (any ReplicaStore) throws -> T) async throws -> T {
        switch self {
        case .memory:
            return try body(InMemoryStore(node: node))
        case .sqlite:
            let directory = try TemporaryDirectory("store-tests")
            defer { directory.remove() }
            let store = try SQLiteStore(directory: directory.path, node: node, now: 0)
            defer { try? store.close() }
            return try body(store)
        case .postgres:
            let schema = try await SharedPostgres.freshSchema()
            defer { SharedPostgres.drop(schema) }
            // Every store call waits for the server: off the few threads of
            // the concurrency pool, which the other tests need meanwhile.
            return try await onOwnThread {
                let store = try PostgresStore(url: schema.url, environment: [:], node: node, now: 0)
                defer { store.close() }
                return try body(store)
            }
        }
    }
}

/// The PostgreSQL server the store tests of one process share (started on
/// first use, stopped when the process ends: `PostgresServer`), and fresh
/// schemas in its `postgres` database, one per test, so tests run in
/// parallel the way several nodes share one database.
enum SharedPostgres {
    /// A schema name and the store URL that names it.
    struct Schema: Sendable {
        var name: String
        var url: String
        var server: PostgresServer
    }

    private static let counter = Atomic<Int>(0)
    private static let starting = Mutex<Task<PostgresServer, any Error>?>(nil)

    /// The shared server.
    static func server() async throws -> PostgresServer {
        let task = starting.withLock { task in
            if let task { return task }
            let started = Task { try await PostgresServer.start() }
            task = started
            return started
        }
        return try await task.value
    }

    /// A schema name not used before in this process, and its URL.
    static func freshSchema() async throws -> Schema {
        let server = try await server()
        let number = counter.add(1, ordering: .relaxed).newValue
        let name = "t\(getpid())_\(number)"
        return Schema(name: name, url: server.url + "?schema=\(name)", server: server)
    }

    /// Drops a test's schema in the background (best effort: the server
    /// may be gone), so a `defer` can call it.
    static func drop(_ schema: Schema) {
        Task.detached {
            _ = try? await schema.server.psql(sql: "DROP SCHEMA IF EXISTS \"\(schema.name)\" CASCADE;")
        }
    }
}
