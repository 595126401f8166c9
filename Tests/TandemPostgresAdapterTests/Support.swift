import Foundation
import TandemAdapterCore
import TandemPostgresAdapter
import TandemTestSupport

/// One real PostgreSQL server shared by the tests that run at the same time
/// (started by the first, stopped when the last one is done); each test gets
/// a database of its own. The restart test starts a server of its own.
actor SharedPostgres {
    static let shared = SharedPostgres()

    private var server: PostgresServer?
    private var starting: Task<PostgresServer, any Error>?
    private var users = 0
    private var databases = 0

    /// A fresh database on the shared server.
    func acquire() async throws -> (server: PostgresServer, database: String) {
        users += 1
        do {
            let server = try await running()
            databases += 1
            let database = "adapter_\(databases)"
            try await server.createDatabase(database)
            return (server, database)
        } catch {
            release()
            throw error
        }
    }

    func release() {
        users -= 1
        if users == 0, let server {
            self.server = nil
            server.stop()
        }
    }

    private func running() async throws -> PostgresServer {
        if let server { return server }
        if let starting { return try await starting.value }
        let task = Task { try await PostgresServer.start() }
        starting = task
        defer { starting = nil }
        let made = try await task.value
        server = made
        return made
    }
}

/// Runs `body` with a database of its own on the shared server and a
/// driver for `table` in it (closed afterwards).
func withDriver<T>(
    table: String = "customers", key: String = "id", setUp: String,
    _ body: (PostgresServer, String, PostgresDriver) async throws -> T
) async throws -> T {
    let (server, database) = try await SharedPostgres.shared.acquire()
    do {
        try await server.psql(database: database, sql: setUp)
        let driver = try PostgresDriver(url: server.url(database: database), table: table, keyColumn: key)
        do {
            let result = try await body(server, database, driver)
            await driver.close()
            await SharedPostgres.shared.release()
            return result
        } catch {
            await driver.close()
            throw error
        }
    } catch {
        await SharedPostgres.shared.release()
        throw error
    }
}

/// Retries `body` while the driver reports the server unavailable (after a
/// restart), up to `seconds`.
func eventually<T>(seconds: Double = 20, _ body: () async throws -> T) async throws -> T {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while true {
        do {
            return try await body()
        } catch let error as AdapterError {
            guard case .unavailable = error, ContinuousClock.now < deadline else { throw error }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// Milliseconds since the Unix epoch now.
func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
