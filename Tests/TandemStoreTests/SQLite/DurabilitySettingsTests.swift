import Testing
import TandemCore
@testable import TandemStore
import TandemTestSupport

/// The writer connection commits with `synchronous = FULL` in WAL mode, as
/// `SQLiteStore` promises: a returned commit survives a power cut, not only
/// a process kill. (GRDB's pool sets NORMAL when it switches to WAL.)
@Suite(.ownThread) struct DurabilitySettingsTests {
    @Test func theWriterSynchronisesFully() throws {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        for _ in 0..<2 {  // a new file, then the same file reopened
            let store = try SQLiteStore(directory: directory.path, node: Nodes.local, now: 0)
            #expect(try store.writerPragma("synchronous") == "2", "2 is FULL")
            #expect(try store.writerPragma("journal_mode") == "wal")
            try store.close()
        }
    }
}
