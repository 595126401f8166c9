import PropertyBased
import TandemCore
import TandemTestSupport
import TandemPropertySupport
import Testing

/// Joining every delta, in any order and with duplicates, gives the same
/// state as joining the replicas' full states.
@Suite(.ownThread) struct DeltaDeliveryTests {
    static func check<T: ScriptedCRDT>(_: T.Type, seed: UInt64) {
        forAll(zip(T.replays(), Gen.uint64()), seed: seed) { replay, shuffleSeed in
            var random = SeededRandom.xoshiro(shuffleSeed)
            var deliveries = replay.deltas
            for _ in 0..<(deliveries.count / 2) {
                if let duplicate = replay.deltas.randomElement(using: &random) { deliveries.append(duplicate) }
            }
            deliveries.shuffle(using: &random)
            let fromDeltas = deliveries.reduce(T()) { $0.joined($1) }
            try #require(fromDeltas == replay.joinOfStates)
        }
    }

    @Test func lwwRegisterDeltasInAnyOrderEqualStates() { Self.check(LWWRegister.self, seed: 21) }
    @Test func aworSetDeltasInAnyOrderEqualStates() { Self.check(AWORSet.self, seed: 22) }
    @Test func recordCollectionDeltasInAnyOrderEqualStates() { Self.check(RecordCollection.self, seed: 23) }
}
