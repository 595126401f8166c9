import Testing
import TandemCore
import TandemStore
import TandemTestSupport

/// `batches(missingFrom:limit:)`: exactly what a vector lacks, in (origin,
/// sequence) order.
@Suite(.ownThread) struct DeltaLogTests {
    /// Local batches 1...3, node b's 1 and 3 (2 never arrived), node c's 1...2.
    static func populate(_ store: any ReplicaStore) throws -> [DeltaBatch] {
        for index in 1...3 as ClosedRange<UInt64> {
            try store.commitChange(records: ["r\(index)"], clock: stamp(index)) { working in
                try working.set("name", to: .int(Int64(index)), in: "r\(index)", by: Nodes.local, at: stamp(index))
            }
        }
        var b = RecordCollection()
        let b1 = try b.set("name", to: .string("b1"), in: "r1", by: Nodes.b, at: stamp(4))
        _ = try b.set("name", to: .string("b2"), in: "r1", by: Nodes.b, at: stamp(5))
        let b3 = try b.set("email", to: .string("b3"), in: "r1", by: Nodes.b, at: stamp(6))
        try store.commitPeer(Nodes.b, 3, b3, clock: stamp(6))
        try store.commitPeer(Nodes.b, 1, b1, clock: stamp(4))
        var c = RecordCollection()
        try store.commitPeer(Nodes.c, 2, try c.add(.int(2), toSet: "tags", in: "r2", by: Nodes.c), collection: "deals", clock: stamp(8))
        try store.commitPeer(Nodes.c, 1, try c.insert("r9", by: Nodes.c), collection: "deals", clock: stamp(7))
        return try store.log()
    }

    static func ids(_ batches: [DeltaBatch]) -> [Dot] { batches.map(\.id) }

    @Test(arguments: StoreBackend.allCases)
    func theWholeLogIsInOriginAndSequenceOrder(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let log = try Self.populate(store)
            let expected = [
                Dot(node: Nodes.local, counter: 1), Dot(node: Nodes.local, counter: 2), Dot(node: Nodes.local, counter: 3),
                Dot(node: Nodes.b, counter: 1), Dot(node: Nodes.b, counter: 3),
                Dot(node: Nodes.c, counter: 1), Dot(node: Nodes.c, counter: 2),
            ].sorted()
            #expect(Self.ids(log) == expected)
            #expect(log.first { $0.origin == Nodes.c && $0.sequence == 2 }?.collection == "deals")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func exactlyTheBatchesTheVectorLacksHonouringTheLimit(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let log = try Self.populate(store)
            var vector = BatchVector()
            vector.insert(origin: Nodes.local, sequence: 1)
            vector.insert(origin: Nodes.local, sequence: 3)   // out of order: 2 still missing
            vector.insert(origin: Nodes.b, sequence: 3)
            vector.insert(origin: Nodes.b, sequence: 2)       // held by the peer, not by the store
            vector.insert(origin: Nodes.d, sequence: 1)       // an origin the store never saw
            let missing = log.filter { !vector.contains(origin: $0.origin, sequence: $0.sequence) }
            #expect(Self.ids(missing) == [
                Dot(node: Nodes.local, counter: 2), Dot(node: Nodes.b, counter: 1),
                Dot(node: Nodes.c, counter: 1), Dot(node: Nodes.c, counter: 2),
            ].sorted())

            #expect(try store.batches(missingFrom: vector, limit: .max) == missing)
            for limit in 0...missing.count + 1 {
                #expect(try store.batches(missingFrom: vector, limit: limit) == Array(missing.prefix(limit)), "limit \(limit)")
            }

            // A vector holding everything lacks nothing.
            #expect(try store.batches(missingFrom: try store.summary().batches, limit: .max).isEmpty)
        }
    }
}
