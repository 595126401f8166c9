import TandemTestSupport
import Testing
import TandemCore
import TandemStore

/// The in-memory store's crash model: a failed commit leaves nothing, and a
/// restart finds exactly what was committed.
@Suite(.ownThread) struct InMemoryCrashTests {
    static let mapping = ExternalKeyMapping(adapter: "crm", collection: "people", externalKey: "42", record: "r1")
    static let probedKeys = [(adapter: "crm", collection: "people", key: "42")]

    static func populated() throws -> InMemoryStore {
        let store = InMemoryStore(node: Nodes.local)
        try store.commitChange(records: ["r1"], clock: stamp(1), cursor: AdapterCursorUpdate(adapter: "crm", cursor: [1])) { working in
            try working.set("name", to: .string("Ann"), in: "r1", by: Nodes.local, at: stamp(1))
        }
        var b = RecordCollection()
        try store.commitPeer(Nodes.b, 1, try b.set("name", to: .string("Bob"), in: "r1", by: Nodes.b, at: stamp(2)), clock: stamp(2))
        return store
    }

    @Test func aFailedLocalCommitThrowsAndLeavesNothing() throws {
        let store = try Self.populated()
        let before = try StoreSnapshot(store, externalKeys: Self.probedKeys)
        store.failNextCommit()
        #expect(throws: StoreError.self) {
            try store.commitChange(
                records: ["r1"], clock: stamp(50), audit: [AuditEvent(at: 1, kind: .rejected, detail: "x")],
                cursor: AdapterCursorUpdate(adapter: "crm", cursor: [2]), keyMappings: [Self.mapping]
            ) { working in
                try working.set("name", to: .string("Lost"), in: "r1", by: Nodes.local, at: stamp(50))
            }
        }
        #expect(try StoreSnapshot(store, externalKeys: Self.probedKeys) == before)

        // Only the next commit fails: the retry takes the same sequence.
        let retry = try store.commitChange(records: ["r1"], clock: stamp(51)) { working in
            try working.set("name", to: .string("Kept"), in: "r1", by: Nodes.local, at: stamp(51))
        }
        #expect(retry.sequence == 2)
    }

    @Test func aFailedRemoteCommitThrowsAndLeavesNothing() throws {
        let store = try Self.populated()
        let before = try StoreSnapshot(store)
        var c = RecordCollection()
        let delta = try c.set("name", to: .string("Carol"), in: "r1", by: Nodes.c, at: stamp(60))
        store.failNextCommit()
        do {
            try store.commitPeer(Nodes.c, 1, delta, clock: stamp(60))
            Issue.record("the commit should have failed")
        } catch let error as StoreError {
            guard case .unavailable = error else { throw error }
        }
        #expect(try StoreSnapshot(store) == before)
        // The batch was not taken as held: it applies when offered again.
        #expect(try store.commitPeer(Nodes.c, 1, delta, clock: stamp(60)).report != nil)
    }

    @Test func aRestartKeepsExactlyTheCommittedWork() throws {
        let store = try Self.populated()
        try store.setAcknowledged(try store.summary().batches, by: Nodes.p)
        let committed = try StoreSnapshot(store)

        store.failNextCommit()
        _ = try? store.commitChange(records: ["r2"], clock: stamp(70)) { working in
            try working.set("name", to: .string("Torn"), in: "r2", by: Nodes.local, at: stamp(70))
        }
        let restarted = store.restartedAfterCrash()
        #expect(try StoreSnapshot(restarted) == committed)

        // The restarted store carries on from there, independently of the old one.
        let next = try restarted.commitChange(records: ["r2"], clock: stamp(71)) { working in
            try working.set("name", to: .string("New"), in: "r2", by: Nodes.local, at: stamp(71))
        }
        #expect(next.sequence == 2)
        #expect(try StoreSnapshot(store) == committed)
    }
}
