import Testing
import TandemCore
import TandemStore

/// `commitRemote`: a peer's batch is applied once.
@Suite struct RemoteCommitTests {
    @Test(arguments: Backend.allCases)
    func aPeersBatchIsApplied(backend: Backend) throws {
        try backend.withStore { store in
            var peer = RecordCollection()
            var delta = try peer.update("r1", fields: [("name", .string("Bob")), ("score", .int(3))], by: Nodes.b, at: stamp(5))
            delta.join(try peer.add(.int(7), toSet: "tags", in: "r1", by: Nodes.b))
            let outcome = try store.commitPeer(Nodes.b, 1, delta, clock: stamp(5))
            let report = try #require(outcome.report)
            #expect(report.changedRecords == ["r1"])
            #expect(report.removedRecords.isEmpty)
            #expect(report.conflicts.isEmpty)
            try expectState(of: store, equals: ["people": peer])
            #expect(try store.summary().batches.contains(origin: Nodes.b, sequence: 1))

            // The peer deletes the record: the report names it as removed.
            let deletion = peer.delete("r1")
            let removal = try #require(try store.commitPeer(Nodes.b, 2, deletion, clock: stamp(6)).report)
            #expect(removal.changedRecords == ["r1"])
            #expect(removal.removedRecords == ["r1"])
            try expectState(of: store, equals: ["people": peer])
            #expect(try store.collections() == ["people"])
        }
    }

    @Test(arguments: Backend.allCases)
    func aBatchAlreadyHeldIsADuplicateAndChangesNothing(backend: Backend) throws {
        try backend.withStore { store in
            var peer = RecordCollection()
            let first = try peer.set("name", to: .string("Bob"), in: "r1", by: Nodes.b, at: stamp(5))
            #expect(try store.commitPeer(Nodes.b, 1, first, clock: stamp(5)).report != nil)
            let before = try StoreSnapshot(store)

            #expect(try store.commitPeer(Nodes.b, 1, first, clock: stamp(5), now: 9) == .duplicate)
            // Same (origin, sequence), other content: still a duplicate.
            let other = try peer.set("name", to: .string("Robert"), in: "r1", by: Nodes.b, at: stamp(99))
            #expect(try store.commitPeer(Nodes.b, 1, other, clock: stamp(99), now: 9) == .duplicate)
            #expect(try StoreSnapshot(store) == before)
        }
    }

    @Test(arguments: Backend.allCases)
    func batchesMayArriveOutOfOrder(backend: Backend) throws {
        try backend.withStore { store in
            var peer = RecordCollection()
            let one = try peer.set("name", to: .string("Bob"), in: "r1", by: Nodes.b, at: stamp(1))
            let two = try peer.set("name", to: .string("Robert"), in: "r1", by: Nodes.b, at: stamp(2))
            let three = peer.delete("r1")
            #expect(try store.commitPeer(Nodes.b, 3, three, clock: stamp(3)).report != nil)
            #expect(try store.record("people", "r1") == nil)
            #expect(try store.commitPeer(Nodes.b, 1, one, clock: stamp(1)).report != nil)
            // Batch 3 deleted only what its origin held then (batch 2's
            // write); batch 1's write is overwritten only when batch 2 comes.
            #expect(try store.record("people", "r1")?.fields.entries["name"]?.value == .string("Bob"))
            #expect(try store.commitPeer(Nodes.b, 2, two, clock: stamp(2)).report != nil)
            try expectState(of: store, equals: ["people": peer])
            #expect(try store.summary().batches.nextSequence(for: Nodes.b) == 4)
        }
    }
}
