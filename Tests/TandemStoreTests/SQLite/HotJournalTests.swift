import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// A file left with a hot journal (a process killed inside a transaction,
/// as when a node dies while creating its store) is rolled back to its last
/// committed state and then judged like any other file. A read-only look
/// cannot do that, and must not be the end of it: the node would never
/// start again.
@Suite(.ownThread) struct HotJournalTests {
    static let filler = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) INSERT INTO t SELECT randomblob(1000) FROM n;"

    @Test func aFileWhoseFirstTransactionWasInterruptedBecomesAStore() async throws {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        let path = directory.appending(SQLiteStore.fileName)
        try await SQLiteShell.killInsideTransaction(path, "CREATE TABLE t(x);\n" + Self.filler)

        let store = try SQLiteStore(directory: directory.path, node: Nodes.local, now: 0)
        defer { try? store.close() }
        let batch = try store.commitChange(records: ["r1"], clock: stamp(1)) { working in
            try working.set("name", to: .string("Ann"), in: "r1", by: Nodes.local, at: stamp(1))
        }
        #expect(batch.sequence == 1)
    }

    @Test func anotherApplicationsFileWithAnInterruptedTransactionIsStillRefused() async throws {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        let path = directory.appending(SQLiteStore.fileName)
        try await SQLiteShell.run(path, "CREATE TABLE t(x); INSERT INTO t VALUES(1);")
        try await SQLiteShell.killInsideTransaction(path, Self.filler)

        let error = try RefusalTests.refusal(directory)
        guard case .notATandemDatabase(let named, _) = error else {
            Issue.record("expected notATandemDatabase, got \(error)")
            return
        }
        #expect(named == path)
        // Its committed content is as its application left it.
        #expect(try await SQLiteShell.run(path, "SELECT count(*), max(x) FROM t;") == "1|1")
    }
}
