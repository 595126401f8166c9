import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// The file is in WAL mode and carries Tandem's application id, as the
/// real `sqlite3` shell sees it.
@Suite(.ownThread) struct WALModeTests {
    @Test func theFileIsInWALModeWithTandemsApplicationID() async throws {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        let store = try SQLiteStore(directory: directory.path, node: Nodes.local, now: 0)
        try store.commitChange(records: ["r1"], clock: stamp(1)) { working in
            try working.set("name", to: .string("Ann"), in: "r1", by: Nodes.local, at: stamp(1))
        }
        let path = directory.appending(SQLiteStore.fileName)
        #expect(store.path == path)
        // While open, and after close.
        #expect(try await SQLiteShell.run(path, "PRAGMA journal_mode;") == "wal")
        try store.close()
        #expect(try await SQLiteShell.run(path, "PRAGMA journal_mode;") == "wal")
        #expect(try await SQLiteShell.run(path, "PRAGMA application_id;") == String(0x544E_444D))
    }
}
