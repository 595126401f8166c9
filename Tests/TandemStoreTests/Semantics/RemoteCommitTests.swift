import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// `commitRemote`: a peer's batch is applied once.
@Suite(.ownThread) struct RemoteCommitTests {
    @Test(arguments: StoreBackend.allCases)
    func aPeersBatchIsApplied(backend: StoreBackend) async throws {
        try await backend.withStore { store in
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

    @Test(arguments: StoreBackend.allCases)
    func aBatchAlreadyHeldIsADuplicateAndChangesNothing(backend: StoreBackend) async throws {
        try await backend.withStore { store in
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

    @Test(arguments: StoreBackend.allCases)
    func batchesMayArriveOutOfOrder(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var peer = RecordCollection()
            let one = try peer.set("name", to: .string("Bob"), in: "r1", by: Nodes.b, at: stamp(1))
            let two = try peer.set("name", to: .string("Robert"), in: "r1", by: Nodes.b, at: stamp(2))
            let three = peer.delete("r1")
            #expect(try store.commitPeer(Nodes.b, 3, three, clock: stamp(3)).report != nil)
            #expect(try store.record("people", "r1") == nil)
            #expect(try store.commitPeer(Nodes.b, 1, one, clock: stamp(1)).report != nil)
            // Batch 3 deleted only what its origin held then (batch 2's
            // write); batch 1's write is overwritten only when batch 2 comes.
            #expect(try store.record("people", "r1")?.fields["name"]?.value == .string("Bob"))
            #expect(try store.commitPeer(Nodes.b, 2, two, clock: stamp(2)).report != nil)
            try expectState(of: store, equals: ["people": peer])
            #expect(try store.summary().batches.nextSequence(for: Nodes.b) == 4)
        }
    }

    func remote(_ origin: NodeID, _ sequence: UInt64, _ delta: RecordCollection) -> RemoteBatch {
        RemoteBatch(
            batch: DeltaBatch(
                origin: origin, sequence: sequence, collection: "people", payload: delta.encoded(),
                signature: FakeSigner.sign([UInt8](origin.bytes))),
            delta: delta)
    }

    @Test("several batches committed together equal the same batches committed one by one", arguments: StoreBackend.allCases)
    func severalBatchesInOneCommit(backend: StoreBackend) async throws {
        var peer = RecordCollection()
        let one = try peer.set("name", to: .string("Bob"), in: "r1", by: Nodes.b, at: stamp(1))
        let two = try peer.set("name", to: .string("Robert"), in: "r1", by: Nodes.b, at: stamp(2))
        let three = try peer.set("score", to: .int(3), in: "r2", by: Nodes.b, at: stamp(3))
        let batches = [remote(Nodes.b, 1, one), remote(Nodes.b, 2, two), remote(Nodes.b, 3, three)]

        let together = try await backend.withStore { store in
            #expect(try store.commitPeer(Nodes.b, 2, two, clock: stamp(2)).report != nil)
            // Batch 2 is held already, and batch 3 comes twice in the list.
            let outcomes = try store.commitRemote(batches + [batches[2]], clock: stamp(3), now: 1)
            #expect(outcomes.map { $0.report != nil } == [true, false, true, false])
            try expectState(of: store, equals: ["people": peer])
            #expect(try store.summary().batches.nextSequence(for: Nodes.b) == 4)
            #expect(try store.summary().clock == stamp(3))
            #expect(try store.batches(batches.map(\.batch.id)) == batches.map(\.batch))
            return try StoreSnapshot(store)
        }
        let oneByOne = try await backend.withStore { store in
            #expect(try store.commitPeer(Nodes.b, 2, two, clock: stamp(2)).report != nil)
            for remote in batches {
                _ = try store.commitRemote(remote.batch, delta: remote.delta, clock: stamp(3), audit: [], now: 1)
            }
            return try StoreSnapshot(store)
        }
        #expect(together == oneByOne)
    }

    @Test("a failed commit of several batches commits none of them")
    func severalBatchesAllOrNone() throws {
        let store = InMemoryStore(node: Nodes.local)
        var peer = RecordCollection()
        let one = try peer.set("name", to: .string("Bob"), in: "r1", by: Nodes.b, at: stamp(1))
        let two = try peer.set("score", to: .int(3), in: "r2", by: Nodes.b, at: stamp(2))
        let before = try StoreSnapshot(store)
        store.failNextCommit()
        #expect(throws: StoreError.self) {
            try store.commitRemote([remote(Nodes.b, 1, one), remote(Nodes.b, 2, two)], clock: stamp(2), now: 1)
        }
        #expect(try StoreSnapshot(store) == before)
    }
}
