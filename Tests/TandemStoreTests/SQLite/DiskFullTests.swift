import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// A full disk (here, a database at its size limit) fails the commit as a
/// whole, and the store goes on working.
@Suite(.ownThread) struct DiskFullTests {
    @Test func aCommitThatDoesNotFitFailsWholeAndTheStoreGoesOn() throws {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        let store = try SQLiteStore(
            directory: directory.path, node: Nodes.local, options: SQLiteStore.Options(maxPageCount: 64), now: 0)
        defer { try? store.close() }
        try store.commitChange(records: ["r1"], clock: stamp(1), cursor: AdapterCursorUpdate(adapter: "crm", cursor: [1])) { working in
            try working.set("name", to: .string("Ann"), in: "r1", by: Nodes.local, at: stamp(1))
        }
        let keys = [(adapter: "crm", collection: "people", key: "big")]
        let before = try StoreSnapshot(store, externalKeys: keys)

        // About 1 MB of fields in a database limited to 64 pages (256 KiB).
        let big = String(repeating: "x", count: 10_000)
        let error = #expect(throws: StoreError.self) {
            try store.commitChange(
                records: ["big"], clock: stamp(2), audit: [AuditEvent(at: 2, kind: .rejected, detail: "never")],
                cursor: AdapterCursorUpdate(adapter: "crm", cursor: [2]),
                keyMappings: [ExternalKeyMapping(adapter: "crm", collection: "people", externalKey: "big", record: "big")]
            ) { working in
                try working.update("big", fields: (0..<100).map { ("field\($0)", .string(big)) }, by: Nodes.local, at: stamp(2))
            }
        }
        let path = directory.appending(SQLiteStore.fileName)
        #expect(error == .diskFull(path: path))
        #expect(error?.description.contains(path) == true)

        // Reads work, and show nothing of the failed commit.
        #expect(try StoreSnapshot(store, externalKeys: keys) == before)
        #expect(try store.record("people", "big") == nil)

        // A commit that fits still goes through, numbered as if the failed
        // one never happened.
        let small = try store.commitChange(records: ["r1"], clock: stamp(3)) { working in
            try working.set("name", to: .string("Anna"), in: "r1", by: Nodes.local, at: stamp(3))
        }
        #expect(small.sequence == 2)
    }
}
