import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// Audit retention: events before the cut-off go in one prune, conflicts
/// stay (their losers are restorable), positions are never reused.
@Suite(.ownThread) struct AuditRetentionTests {
    @Test(arguments: StoreBackend.allCases)
    func eventsBeforeTheCutOffArePrunedExceptConflicts(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let retention = try #require(store as? any AuditRetention)
            try store.appendAudit([
                AuditEvent(at: 100, kind: .captured, collection: "people", record: "r1", detail: "old capture"),
                AuditEvent(at: 150, kind: .conflict, collection: "people", record: "r1", detail: "old conflict"),
                AuditEvent(at: 199, kind: .deletedExternal, collection: "people", record: "r2", detail: "old delete"),
                AuditEvent(at: 200, kind: .appliedExternal, collection: "people", record: "r1", detail: "at the cut-off"),
                AuditEvent(at: 300, kind: .captured, collection: "people", record: "r3", detail: "recent"),
            ])
            #expect(try retention.pruneAudit(before: 200) == 2)
            let kept = try store.allAudit()
            #expect(kept.map(\.event.detail) == ["old conflict", "at the cut-off", "recent"])
            #expect(kept.map(\.id) == [2, 4, 5])
            // Nothing more to prune; new events take new positions.
            #expect(try retention.pruneAudit(before: 200) == 0)
            try store.appendAudit([AuditEvent(at: 400, kind: .captured, detail: "new")])
            #expect(try store.allAudit().last?.id == 6)
            // Everything but the conflict, once all is old.
            #expect(try retention.pruneAudit(before: 1_000) == 3)
            #expect(try store.allAudit().map(\.event.kind) == [.conflict])
        }
    }
}
