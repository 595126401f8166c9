import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// `commitLocal`: numbering, signing, and the working set mutators run on.
@Suite(.ownThread) struct LocalCommitTests {
    @Test(arguments: StoreBackend.allCases)
    func sequencesCountFromOneAndTheSignatureCoversTheSigningBytes(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            for expected in 1...3 as ClosedRange<UInt64> {
                var working = try store.workingSet("people", records: ["r\(expected)"])
                let delta = try working.set("name", to: .int(Int64(expected)), in: "r\(expected)", by: Nodes.local, at: stamp(expected))
                var signed: [[UInt8]] = []
                let batch = try store.commitLocal(
                    LocalChange(collection: "people", delta: delta, clock: stamp(expected)),
                    sign: { bytes in
                        signed.append(bytes)
                        return FakeSigner.sign(bytes)
                    },
                    now: 100 + expected)
                #expect(batch.sequence == expected)
                #expect(batch.origin == Nodes.local)
                #expect(batch.collection == "people")
                #expect(batch.payload == delta.encoded())
                #expect(signed == [batch.signingBytes], "sign is called once, over the batch's signing bytes")
                #expect(batch.signature == FakeSigner.sign(batch.signingBytes))
                #expect(try batch.delta() == delta)
            }
            let summary = try store.summary()
            #expect(summary.node == Nodes.local)
            #expect(summary.batches.nextSequence(for: Nodes.local) == 4)
            // The log holds the batches exactly as returned, signature included.
            let log = try store.log()
            #expect(log.map(\.sequence) == [1, 2, 3])
            #expect(log.allSatisfy { $0.signature == FakeSigner.sign($0.signingBytes) })
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func remoteBatchesDoNotShiftLocalNumbering(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var peer = RecordCollection()
            try store.commitPeer(Nodes.b, 1, try peer.set("name", to: .string("B"), in: "r1", by: Nodes.b, at: stamp(1)), clock: stamp(1))
            let first = try store.commitChange(records: ["r1"], clock: stamp(2)) { working in
                try working.set("email", to: .string("a@x"), in: "r1", by: Nodes.local, at: stamp(2))
            }
            #expect(first.sequence == 1)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theWorkingSetLetsMutatorsContinueWhereTheStoreIs(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            try store.commitChange(records: ["r1"], clock: stamp(1)) { working in
                var delta = try working.update("r1", fields: [("name", .string("Ann")), ("email", .string("a@x"))], by: Nodes.local, at: stamp(1))
                delta.join(try working.add(.string("vip"), toSet: "tags", in: "r1", by: Nodes.local))
                return delta
            }
            try store.commitChange(records: ["r2"], clock: stamp(2)) { working in
                try working.set("name", to: .string("Bea"), in: "r2", by: Nodes.local, at: stamp(2))
            }

            // The working set holds exactly the records asked for (that
            // exist) and the whole context.
            let working = try store.workingSet("people", records: ["r1", "missing"])
            #expect(working.recordIDs == ["r1"])
            #expect(working.records["r1"] == (try store.record("people", "r1")))
            #expect(working.context == CausalContext(dots: (1...4).map { Dot(node: Nodes.local, counter: $0) }))

            // A write through it overwrites what it saw, with the next dot:
            // no conflict is left behind.
            try store.commitChange(records: ["r1"], clock: stamp(3)) { working in
                try working.set("name", to: .string("Anna"), in: "r1", by: Nodes.local, at: stamp(3))
            }
            let r1 = try #require(try store.record("people", "r1"))
            let name = try #require(r1.fields["name"])
            #expect(name.entries.map(\.dot) == [Dot(node: Nodes.local, counter: 5)])
            #expect(name.value == .string("Anna"))
            #expect(r1.sets.entries["tags"]?.sortedKeys == [.string("vip")])

            // A set remove and a delete through the working set.
            try store.commitChange(records: ["r1"], clock: stamp(4)) { working in
                working.remove(.string("vip"), fromSet: "tags", in: "r1")
            }
            #expect(try store.record("people", "r1")?.sets.entries["tags"] == nil)
            try store.commitChange(records: ["r1"], clock: stamp(5)) { working in working.delete("r1") }
            #expect(try store.record("people", "r1") == nil)
            #expect(try store.allRecords("people").keys.sorted() == ["r2"])
            #expect(try store.context("people").maxCounter(of: Nodes.local) == 5)
        }
    }
}
