import Foundation
import Testing
import TandemCore
import TandemStore
import tandem_crash_writer
import TandemTestSupport

/// Opening refuses files it must not touch, with an error naming the file,
/// and leaves their bytes as they were.
@Suite(.ownThread) struct RefusalTests {
    /// Opens a store in `directory`, which must fail; returns the error.
    static func refusal(
        _ directory: TemporaryDirectory, node: NodeID = Nodes.local, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> StoreError {
        let error = #expect(throws: StoreError.self, sourceLocation: sourceLocation) {
            _ = try SQLiteStore(directory: directory.path, node: node, now: 0)
        }
        return try #require(error, sourceLocation: sourceLocation)
    }

    /// Makes a store with one commit in `directory`, and closes it.
    static func makeStore(_ directory: TemporaryDirectory, node: NodeID = Nodes.local) throws {
        let store = try SQLiteStore(directory: directory.path, node: node, now: 0)
        try store.commitChange(records: ["r1"], clock: stamp(1)) { working in
            try working.set("name", to: .string("Ann"), in: "r1", by: node, at: stamp(1))
        }
        try store.close()
    }

    @Test func anotherApplicationsDatabaseIsRefusedAndUntouched() async throws {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        let path = directory.appending(SQLiteStore.fileName)
        try await SQLiteShell.run(path, "CREATE TABLE t(x); INSERT INTO t VALUES(1);")
        let bytes = try fileBytes(path)

        let error = try Self.refusal(directory)
        guard case .notATandemDatabase(let named, _) = error else {
            Issue.record("expected notATandemDatabase, got \(error)")
            return
        }
        #expect(named == path)
        #expect(error.description.contains(path))
        #expect(try fileBytes(path) == bytes)
        #expect(try await SQLiteShell.run(path, "SELECT x FROM t;") == "1")
        #expect(try await SQLiteShell.run(path, "PRAGMA journal_mode;") == "delete", "not switched to WAL")
    }

    @Test func aFileThatIsNotSQLiteIsRefusedAndUntouched() throws {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        let path = directory.appending(SQLiteStore.fileName)
        var random = SeededRandom(seed: 9)
        let garbage = Data("not a database, just some notes\n".utf8) + Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &random) })
        try garbage.write(to: URL(fileURLWithPath: path))

        let error = try Self.refusal(directory)
        switch error {
        case .notATandemDatabase(let named, _), .corrupt(let named, _):
            #expect(named == path)
        default:
            Issue.record("expected notATandemDatabase or corrupt, got \(error)")
        }
        #expect(error.description.contains(path))
        #expect(try fileBytes(path) == garbage)
    }

    @Test func aFileOfANewerFormatIsRefusedAndUntouched() async throws {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        let path = directory.appending(SQLiteStore.fileName)
        try Self.makeStore(directory)
        try await SQLiteShell.run(path, "INSERT INTO grdb_migrations VALUES ('v9-future');")
        let bytes = try fileBytes(path)

        let error = try Self.refusal(directory)
        #expect(error == .newerFormat(path: path, unknownMigrations: ["v9-future"]))
        #expect(error.description.contains(path))
        #expect(error.description.contains("v9-future"))
        #expect(try fileBytes(path) == bytes)
        #expect(try await SQLiteShell.run(path, "SELECT count(*) FROM grdb_migrations WHERE identifier = 'v9-future';") == "1")
    }

    @Test func aDirectoryOfAnotherNodeIsRefused() throws {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        let path = directory.appending(SQLiteStore.fileName)
        try Self.makeStore(directory, node: Nodes.b)
        let bytes = try fileBytes(path)

        let error = try Self.refusal(directory, node: Nodes.local)
        #expect(error == .wrongNode(path: path, stored: Nodes.b, opening: Nodes.local))
        #expect(error.description.contains(path))
        #expect(error.description.contains(Nodes.b.hex))
        #expect(try fileBytes(path) == bytes)

        // Its own node still opens it, with its data.
        let store = try SQLiteStore(directory: directory.path, node: Nodes.b, now: 0)
        defer { try? store.close() }
        #expect(try store.record("people", "r1")?.fields["name"]?.value == .string("Ann"))
    }

    @Test func anEmptyFileIsInitialised() throws {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        let path = directory.appending(SQLiteStore.fileName)
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let store = try SQLiteStore(directory: directory.path, node: Nodes.local, now: 0)
        defer { try? store.close() }
        #expect(try store.summary().batches == BatchVector())
    }
}
