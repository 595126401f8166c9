import PropertyBased
import TandemCore
import TandemTestSupport
import TandemPropertySupport
import Testing

/// Replicas that make concurrent changes and receive each other's deltas in
/// shuffled, duplicated, partly dropped order all converge once every delta
/// has finally been redelivered, to the join of all their states.
@Suite(.ownThread) struct ConvergenceTests {
    static func check<T: ScriptedCRDT>(_: T.Type, replicas: Int, seed: UInt64) {
        let input = zip(T.replays(replicas: replicas, steps: 1...40), Gen.uint64())
        forAll(input, count: 120, seed: seed) { replay, redeliverySeed in
            var random = SeededRandom.xoshiro(redeliverySeed)
            let expected = replay.joinOfStates
            var final = replay
            // Redelivery: every replica gets every delta (again), shuffled,
            // some twice, interleaved with the other replicas' deliveries.
            var queue: [(delta: Int, to: Int)] = []
            for to in 0..<replicas {
                for delta in replay.deltas.indices {
                    queue.append((delta, to))
                    if Bool.random(using: &random) { queue.append((delta, to)) }
                }
            }
            queue.shuffle(using: &random)
            for (delta, to) in queue { final.receive(replay.deltas[delta], at: to) }
            for replica in final.replicas {
                try #require(replica == final.replicas[0], "replicas converge")
            }
            try #require(final.replicas[0] == expected, "to the join of all states")
        }
    }

    @Test func lwwRegisterReplicasConverge() { Self.check(LWWRegister.self, replicas: 3, seed: 31) }
    @Test func aworSetReplicasConverge() { Self.check(AWORSet.self, replicas: 3, seed: 32) }
    @Test func recordCollectionReplicasConverge() { Self.check(RecordCollection.self, replicas: 3, seed: 33) }

    /// Full-state anti-entropy alone (a ring of syncs, twice round) converges too.
    @Test func recordCollectionConvergesByStateSync() {
        forAll(RecordCollection.replays(steps: 1...40), count: 120, seed: 34) { replay in
            let expected = replay.joinOfStates
            var final = replay
            for _ in 0..<2 {
                for to in 0..<3 { final.receive(final.replicas[(to + 2) % 3], at: to) }
            }
            for replica in final.replicas { try #require(replica == expected) }
        }
    }
}
