import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// A concurrent write that loses is kept and written to the audit log.
@Suite(.ownThread) struct ConflictAuditTests {
    @Test(arguments: StoreBackend.allCases)
    func concurrentPeerWritesAuditTheLoser(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var b = RecordCollection()
            var c = RecordCollection()
            let bobWrite = try b.set("name", to: .string("Bob"), in: "r1", by: Nodes.b, at: stamp(10))
            let carolWrite = try c.set("name", to: .string("Carol"), in: "r1", by: Nodes.c, at: stamp(20))
            let first = try #require(try store.commitPeer(Nodes.b, 1, bobWrite, clock: stamp(10), now: 500).report)
            #expect(first.conflicts.isEmpty)
            let auditBefore = try store.allAudit().count

            let second = try #require(try store.commitPeer(Nodes.c, 1, carolWrite, clock: stamp(20), now: 600).report)
            let conflict = try #require(second.conflicts.first)
            #expect(second.conflicts.count == 1)
            #expect(conflict.record == "r1")
            #expect(conflict.field == "name")
            #expect(conflict.winner.value == .string("Carol"))
            #expect(conflict.losers.map(\.value) == [.string("Bob")])
            #expect(conflict.losers.map(\.dot) == [Dot(node: Nodes.b, counter: 1)])

            let events = try store.auditEvents(after: Int64(auditBefore), limit: .max).map(\.event)
            let conflicts = events.filter { $0.kind == .conflict }
            #expect(conflicts.count == 1)
            let event = try #require(conflicts.first)
            #expect(event.at == 600)
            #expect(event.collection == "people")
            #expect(event.record == "r1")
            #expect(event.node == Nodes.c, "the event names the winner's node")
            #expect(event.detail.contains("name"))
            #expect(event.detail.contains("\"Carol\""))
            #expect(event.detail.contains("\"Bob\""), "the loser's value, so it can be restored")
            #expect(event.detail.contains(conflict.losers[0].stamp.description), "the loser's writer and time")

            // Both writes are kept until a write that saw both replaces them.
            #expect(try store.record("people", "r1")?.fields["name"]?.entries.count == 2)
            try store.commitChange(records: ["r1"], clock: stamp(30), now: 700) { working in
                try working.set("name", to: .string("Dana"), in: "r1", by: Nodes.local, at: stamp(30))
            }
            #expect(try store.record("people", "r1")?.fields["name"]?.entries.map(\.value) == [.string("Dana")])
            #expect(try store.allAudit().filter { $0.event.kind == .conflict }.count == 1)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aLatePeerWriteLosingToALocalWriteIsAudited(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            try store.commitChange(records: ["r1"], clock: stamp(30), now: 100) { working in
                try working.set("status", to: .string("won"), in: "r1", by: Nodes.local, at: stamp(30))
            }
            // Node d, which had not seen the local write, wrote earlier.
            var d = RecordCollection()
            let late = try d.set("status", to: .string("lost"), in: "r1", by: Nodes.d, at: stamp(25))
            let report = try #require(try store.commitPeer(Nodes.d, 1, late, clock: stamp(25), now: 200).report)
            #expect(report.conflicts.map(\.field) == ["status"])
            let event = try #require(try store.allAudit().last { $0.event.kind == .conflict }?.event)
            #expect(event.node == Nodes.local)
            #expect(event.detail.contains("\"lost\""))
            #expect(event.detail.contains(Nodes.d.description))
            #expect(try store.record("people", "r1")?.fields["status"]?.value == .string("won"))
        }
    }
}
