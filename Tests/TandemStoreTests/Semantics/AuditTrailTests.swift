import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// Every commit writes its audit events, numbered in order, with the
/// change.
@Suite(.ownThread) struct AuditTrailTests {
    @Test(arguments: StoreBackend.allCases)
    func localAndRemoteCommitsAreAudited(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let note = AuditEvent(at: 100, kind: .rejected, collection: "people", record: "r9", detail: "adapter note")
            try store.commitChange(records: ["r1"], clock: stamp(1), now: 100, audit: [note]) { working in
                try working.set("name", to: .string("Ann"), in: "r1", by: Nodes.local, at: stamp(1))
            }
            var peer = RecordCollection()
            let received = AuditEvent(at: 200, kind: .rejected, node: Nodes.b, detail: "verified")
            try store.commitPeer(
                Nodes.b, 1, try peer.set("email", to: .string("b@x"), in: "r2", by: Nodes.b, at: stamp(2)),
                clock: stamp(2), now: 200, audit: [received])

            let audit = try store.allAudit()
            #expect(audit.map(\.id) == [1, 2, 3, 4])
            #expect(audit.map(\.event.kind) == [.rejected, .localCommit, .rejected, .remoteApply])
            #expect(audit[0].event == note)
            let local = audit[1].event
            #expect(local.at == 100)
            #expect(local.collection == "people")
            #expect(local.node == Nodes.local)
            #expect(local.detail.hasPrefix("batch 1"))
            #expect(audit[2].event == received)
            let remote = audit[3].event
            #expect(remote.at == 200)
            #expect(remote.collection == "people")
            #expect(remote.node == Nodes.b)
            #expect(remote.detail.hasPrefix("batch 1"))

            #expect(try store.auditEvents(after: 1, limit: 2) == Array(audit[1...2]))
            #expect(try store.auditEvents(after: 4, limit: 10).isEmpty)
            #expect(try store.auditEvents(after: 0, limit: 0).isEmpty)
            // A duplicate writes nothing.
            try store.commitPeer(Nodes.b, 1, RecordCollection(), clock: stamp(2), now: 300)
            #expect(try store.allAudit().count == 4)
        }
    }
}
