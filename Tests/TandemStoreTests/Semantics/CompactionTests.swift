import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// `compactLog` removes from the delta log exactly the batches every listed
/// peer acknowledged and that are old enough, and nothing else changes.
@Suite(.ownThread) struct CompactionTests {
    @Test(arguments: StoreBackend.allCases)
    func removesOnlyBatchesAcknowledgedByEveryPeerAndCommittedByTheCutoff(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            // Local batches 1, 2, 3 at 1000, 2000, 3000; node b's 1 at 1500.
            for index in 1...3 as ClosedRange<UInt64> {
                try store.commitChange(records: ["r\(index)"], clock: stamp(index), now: index * 1000) { working in
                    try working.set("name", to: .int(Int64(index)), in: "r\(index)", by: Nodes.local, at: stamp(index))
                }
            }
            var b = RecordCollection()
            try store.commitPeer(Nodes.b, 1, try b.set("email", to: .string("b"), in: "r1", by: Nodes.b, at: stamp(9)), clock: stamp(9), now: 1500)

            var everything = BatchVector()
            for sequence in 1...3 as ClosedRange<UInt64> { everything.insert(origin: Nodes.local, sequence: sequence) }
            everything.insert(origin: Nodes.b, sequence: 1)
            try store.setAcknowledged(everything, by: Nodes.p)
            var someOfIt = BatchVector()
            someOfIt.insert(origin: Nodes.local, sequence: 1)
            someOfIt.insert(origin: Nodes.local, sequence: 2)
            try store.setAcknowledged(someOfIt, by: Nodes.q)

            let before = try StoreSnapshot(store)
            let auditBefore = try store.allAudit().count

            // local 1 (1000) and 2 (2000, at the cutoff): acknowledged by both;
            // b 1 (1500): q lacks it; local 3 (3000): after the cutoff.
            let removed = try store.compactLog(acknowledgedBy: [Nodes.p, Nodes.q], committedBefore: 2000, now: 5000)
            #expect(removed == 2)
            #expect(try store.log().map(\.id) == [Dot(node: Nodes.local, counter: 3), Dot(node: Nodes.b, counter: 1)].sorted())

            let summary = try store.summary()
            var compacted = BatchVector()
            compacted.insert(origin: Nodes.local, sequence: 1)
            compacted.insert(origin: Nodes.local, sequence: 2)
            #expect(summary.compacted == compacted)
            #expect(summary.batches == before.summary.batches, "compacted batches are still held")
            #expect(summary.clock == before.summary.clock)
            #expect(try store.allRecords("people") == before.records["people"])
            #expect(try store.context("people") == before.contexts["people"])
            #expect(try store.acknowledged(by: Nodes.p) == before.acknowledged[Nodes.p])

            let events = try store.auditEvents(after: Int64(auditBefore), limit: .max).map(\.event)
            #expect(events.map(\.kind) == [.compaction])
            #expect(events.first?.at == 5000)

            // A peer's missing batches no longer include compacted ones.
            #expect(try store.batches(missingFrom: BatchVector(), limit: .max).count == 2)

            // Nothing more is removable: no change, no audit event.
            #expect(try store.compactLog(acknowledgedBy: [Nodes.p, Nodes.q], committedBefore: 2000, now: 6000) == 0)
            #expect(try store.allAudit().count == auditBefore + 1)

            // With q out of the list, b's batch goes too; local 3 stays (too new).
            #expect(try store.compactLog(acknowledgedBy: [Nodes.p], committedBefore: 2999, now: 7000) == 1)
            compacted.insert(origin: Nodes.b, sequence: 1)
            #expect(try store.summary().compacted == compacted)
            #expect(try store.log().map(\.id) == [Dot(node: Nodes.local, counter: 3)])
            // A peer that acknowledged nothing blocks compaction.
            #expect(try store.compactLog(acknowledgedBy: [Nodes.p, Nodes.d], committedBefore: .max, now: 8000) == 0)
            #expect(try store.log().count == 1)
            #expect(try store.allRecords("people") == before.records["people"])
        }
    }
}
