import Foundation
import Testing
import TandemTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The PostgreSQL test fixture against a real server: databases and tables
/// made and read through the psql client, data surviving a restart, and
/// nothing left behind (directory, port) once stopped.
@Suite struct PostgresServerTests {
    private func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func tableSurvivesRestartAndStopRemovesEverything() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        #expect(server.url == "postgres://postgres@127.0.0.1:\(server.port)/postgres")
        #expect(PostgresServer.acceptsConnections(port: server.port))
        if geteuid() == 0 {
            // PostgreSQL refuses root: the cluster belongs to an unprivileged user.
            let owner = try FileManager.default.attributesOfItem(
                atPath: server.directory.appendingPathComponent("data").path)[.ownerAccountID] as? Int
            #expect(owner != nil && owner != 0)
            #expect(trimmed(try await server.psql(sql: "SELECT usesuper FROM pg_user WHERE usename = current_user;")) == "t")
        }

        let url = try await server.createDatabase("fixture_check")
        #expect(url == "postgres://postgres@127.0.0.1:\(server.port)/fixture_check")
        try await server.psql(
            database: "fixture_check",
            sql: """
                CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);
                INSERT INTO items VALUES (1, 'one'), (2, 'two');
                UPDATE items SET name = 'zwei ü' WHERE id = 2;
                """)
        let before = try await server.psql(database: "fixture_check", sql: "SELECT id, name FROM items ORDER BY id;")
        #expect(before == "1|one\n2|zwei ü\n")

        try await server.restart()
        #expect(server.isRunning)
        let after = try await server.psql(database: "fixture_check", sql: "SELECT id, name FROM items ORDER BY id;")
        #expect(after == before)

        let directory = server.directory
        let port = server.port
        server.stop()
        #expect(!server.isRunning)
        #expect(!FileManager.default.fileExists(atPath: directory.path))
        #expect(!PostgresServer.acceptsConnections(port: port))
        server.stop()  // idempotent
        await #expect(throws: PostgresServerError.self) { try await server.restart() }
    }

    @Test func psqlErrorsCarryStandardError() async throws {
        try await PostgresServer.withServer { server in
            let error = try await #require(throws: PostgresServerError.self) {
                try await server.psql(sql: "SELECT 1; SELECT * FROM no_such_table; SELECT 2;")
            }
            #expect(error.description.contains("no_such_table"))
            await #expect(throws: PostgresServerError.self) { try await server.createDatabase("bad name; DROP") }
        }
    }

    @Test func withServerStopsWhenTheBodyThrows() async throws {
        struct Planned: Error {}
        let seen = Seen()
        await #expect(throws: Planned.self) {
            try await PostgresServer.withServer { server in
                seen.record(directory: server.directory, port: server.port)
                #expect(trimmed(try await server.psql(sql: "SELECT 1;")) == "1")
                throw Planned()
            }
        }
        let (directory, port) = try #require(seen.value)
        #expect(!FileManager.default.fileExists(atPath: directory.path))
        #expect(!PostgresServer.acceptsConnections(port: port))
    }

    @Test func concurrentServersGetTheirOwnPortsAndDirectories() async throws {
        func attempt() async -> Result<PostgresServer, any Error> {
            do { return .success(try await PostgresServer.start()) } catch { return .failure(error) }
        }
        async let first = attempt()
        async let second = attempt()
        let results = await [first, second]
        defer { results.forEach { try? $0.get().stop() } }
        let servers = try results.map { try $0.get() }
        #expect(servers[0].port != servers[1].port)
        #expect(servers[0].directory != servers[1].directory)
        try await servers[0].psql(sql: "CREATE TABLE only_here (x int);")
        #expect(trimmed(try await servers[0].psql(sql: "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here';")) == "1")
        #expect(trimmed(try await servers[1].psql(sql: "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here';")) == "0")
    }
}

/// What the body of `withServer` saw, read after it ended.
private final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (URL, Int)?

    func record(directory: URL, port: Int) {
        lock.withLock { stored = (directory, port) }
    }

    var value: (URL, Int)? { lock.withLock { stored } }
}
