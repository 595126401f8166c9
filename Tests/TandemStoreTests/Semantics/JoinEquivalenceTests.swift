import Testing
import TandemCore
import TandemStore
import tandem_crash_writer
import TandemTestSupport

/// The store's state is the join of the deltas committed to it, as
/// `RecordCollection.join` computes it, whatever the order of commits:
/// property-style, over seeded random histories of three nodes.
@Suite(.ownThread) struct JoinEquivalenceTests {
    static let seeds: [UInt64] = [1, 2, 3, 4, 5, 6]

    /// Three nodes change records concurrently; the store receives all
    /// their batches, shuffled, some of them twice.
    @Test(arguments: StoreBackend.allCases, seeds)
    func peerBatchesInAnyOrderJoinToTheReference(backend: StoreBackend, seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        var nodes = VirtualNodes([Nodes.b, Nodes.c, Nodes.d])
        try nodes.run(changes: 60, random: &random)
        var deliveries = nodes.batches + nodes.batches.filter { _ in random.oneIn(4) }
        deliveries.shuffle(using: &random)

        try await backend.withStore { store in
            var delivered = BatchVector()
            var queue = deliveries[...]
            var offers = 0
            while let peerBatch = queue.popFirst(), offers < deliveries.count * deliveries.count {
                offers += 1
                let outcome = try store.commitRemote(
                    peerBatch.batch, delta: peerBatch.delta, clock: peerBatch.clock, audit: [], now: 1)
                let fresh = !delivered.contains(origin: peerBatch.origin, sequence: peerBatch.sequence)
                if case .refused(.unseenDots) = outcome {
                    // Its context claims writes not delivered yet: as
                    // anti-entropy does, offer it again later.
                    #expect(fresh, "batch \(peerBatch.origin):\(peerBatch.sequence), seed \(seed)")
                    queue.append(peerBatch)
                    continue
                }
                #expect((outcome != .duplicate) == fresh, "batch \(peerBatch.origin):\(peerBatch.sequence), seed \(seed)")
                delivered.insert(origin: peerBatch.origin, sequence: peerBatch.sequence)
            }
            #expect(queue.isEmpty, "seed \(seed): batches never applied: \(queue.map { "\($0.origin):\($0.sequence)" })")
            try expectState(of: store, equals: nodes.joined)
            #expect(try store.summary().batches == delivered)
            #expect(Set(try store.log()) == Set(nodes.batches.map(\.batch)))
        }
    }

    /// The store is one of the nodes: its changes go through `workingSet`
    /// and `commitLocal`, interleaved with the others' batches, which reach
    /// it late and out of order; the others pull its batches now and then.
    @Test(arguments: StoreBackend.allCases, seeds)
    func localAndPeerCommitsInterleavedJoinToTheReference(backend: StoreBackend, seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        var peers = VirtualNodes([Nodes.b, Nodes.c])
        try await backend.withStore { store in
            var localDeltas: [String: [RecordCollection]] = [:]
            var pending: [PeerBatch] = []
            var pulled: [BatchVector] = [BatchVector(), BatchVector()]
            var clock = HybridLogicalClock()
            var time: UInt64 = 1_000
            for _ in 0..<80 {
                time += UInt64(random.below(3))
                switch random.below(6) {
                case 0, 1:
                    let collection = random.pick(VirtualNodes.collections)
                    let id = random.pick(RandomChanges.recordIDs)
                    let timestamp = clock.tick(now: time)
                    let expected = try store.summary().batches.nextSequence(for: Nodes.local)
                    let batch = try store.commitChange(collection, records: [id], clock: timestamp, now: time) { working in
                        try RandomChanges.change(&working, record: id, by: Nodes.local, at: timestamp, random: &random)
                    }
                    #expect(batch.sequence == expected)
                    localDeltas[collection, default: []].append(try batch.delta())
                case 2, 3:
                    pending.append(try peers.change(random.below(2), random: &random))
                case 4:
                    // The store receives a random pending batch.
                    guard !pending.isEmpty else { continue }
                    let next = pending.remove(at: random.below(pending.count))
                    let outcome = try store.commitRemote(next.batch, delta: next.delta, clock: next.clock, audit: [], now: time)
                    // A batch whose context claims writes not delivered yet waits (anti-entropy offers it again).
                    if case .refused(.unseenDots) = outcome { pending.append(next) } else { #expect(outcome.isApplied) }
                default:
                    // A peer pulls what it lacks from the store.
                    let index = random.below(2)
                    for batch in try store.batches(missingFrom: pulled[index], limit: 1 + random.below(4)) {
                        peers.receive(
                            PeerBatch(origin: batch.origin, sequence: batch.sequence, collection: batch.collection,
                                      delta: try batch.delta(), clock: .zero),
                            at: index)
                        pulled[index].insert(origin: batch.origin, sequence: batch.sequence)
                    }
                }
            }
            pending.shuffle(using: &random)
            var offers = 0
            while !pending.isEmpty, offers < 10_000 {
                offers += 1
                let next = pending.removeFirst()
                let outcome = try store.commitRemote(next.batch, delta: next.delta, clock: next.clock, audit: [], now: time)
                if case .refused(.unseenDots) = outcome { pending.append(next) } else { #expect(outcome.isApplied) }
            }
            #expect(pending.isEmpty, "seed \(seed): batches never applied")

            var reference = peers.joined
            for (collection, deltas) in localDeltas {
                for delta in deltas { reference[collection, default: RecordCollection()].join(delta) }
            }
            try expectState(of: store, equals: reference)
        }
    }
}
