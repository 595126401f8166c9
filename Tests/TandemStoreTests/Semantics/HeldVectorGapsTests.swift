import Testing
import TandemCore
import TandemStore
import tandem_crash_writer
import TandemTestSupport

/// The held vector of batches that arrive out of order, with gaps: exactly
/// what was committed, however the gaps open and close, over the whole
/// range of sequence numbers.
@Suite(.ownThread) struct HeldVectorGapsTests {
    /// An empty batch of `origin` (it changes no record, but is a batch).
    func remote(_ origin: NodeID, _ sequence: UInt64) -> RemoteBatch {
        RemoteBatch(
            batch: DeltaBatch(
                origin: origin, sequence: sequence, collection: "phantoms", payload: RecordCollection().encoded(),
                signature: FakeSigner.sign([UInt8](origin.bytes))),
            delta: RecordCollection())
    }

    @Test(arguments: StoreBackend.allCases)
    func gapsOpenAndCloseInAnyOrder(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var random = SeededRandom(seed: 11)
            // 1...600 of B and 1...50 of C, shuffled, every third one of B's held back.
            var sequences = (1...600 as ClosedRange<UInt64>).map { (Nodes.b, $0) } + (1...50 as ClosedRange<UInt64>).map { (Nodes.c, $0) }
            sequences.shuffle(using: &random)
            let later = sequences.filter { $0.0 == Nodes.b && $0.1 % 3 == 0 }
            let first = sequences.filter { !($0.0 == Nodes.b && $0.1 % 3 == 0) }
            var expected = BatchVector()
            var index = 0
            for (round, part) in [first, later].enumerated() {
                index = 0
                while index < part.count {
                    // Alternately one batch per commit and several together.
                    let size = index % 2 == 0 ? 1 : Int.random(in: 2...9, using: &random)
                    let group = part[index..<min(index + size, part.count)]
                    let outcomes = try store.commitRemote(group.map { remote($0.0, $0.1) }, clock: stamp(1), now: 1)
                    #expect(outcomes.allSatisfy { $0.report != nil })
                    for (origin, sequence) in group { expected.insert(origin: origin, sequence: sequence) }
                    index += size
                }
                #expect(try store.summary().batches == expected, "after round \(round)")
                if round == 0 {
                    #expect(expected.held.nodes[Nodes.b]?.cloud.count ?? 0 > 100)
                    // A batch inside a run is a duplicate; one in a gap is not.
                    #expect(try store.commitRemote([remote(Nodes.b, 301)], clock: stamp(1), now: 1) == [.duplicate])
                    #expect(!(try store.summary().batches.contains(origin: Nodes.b, sequence: 300)))
                }
            }
            #expect(try store.summary().batches.held.nodes[Nodes.b] == CausalContext.NodeDots(prefix: 600))
            #expect(try store.summary().batches.held.nodes[Nodes.c] == CausalContext.NodeDots(prefix: 50))
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func sequencesAcrossTheWholeRangeKeepTheirOrder(backend: StoreBackend) async throws {
        try await backend.withStore { (store: any ReplicaStore) throws in
            let top = UInt64(1) << 63
            let sequences: [UInt64] = [.max, top + 1, 3, top - 1, .max - 2, top, 1, .max - 1, top - 3, 2]
            var expected = BatchVector()
            for sequence in sequences {
                #expect(try store.commitRemote([remote(Nodes.b, sequence)], clock: stamp(1), now: 1).first?.report != nil)
                expected.insert(origin: Nodes.b, sequence: sequence)
                #expect(try store.summary().batches == expected)
            }
            // 1...3, top - 3, top - 1 ... top + 1, max - 2 ... max.
            #expect(expected.held.nodes[Nodes.b] == CausalContext.NodeDots(
                prefix: 3, cloud: [(top - 3)...(top - 3), (top - 1)...(top + 1), (.max - 2)...(.max)]))
            for sequence in sequences {
                #expect(try store.commitRemote([remote(Nodes.b, sequence)], clock: stamp(1), now: 1) == [.duplicate])
            }
        }
    }
}
