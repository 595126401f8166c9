import TandemCore
import TandemTestSupport
import TandemPropertySupport
import Testing

/// Every delta mutator returns a delta whose join has the mutation's effect.
@Suite(.ownThread) struct DeltaMutatorTests {
    @Test func lwwRegisterWriteDeltas() {
        LatticeLaws.checkDeltaMutations(LWWRegister.mutationSamples(), seed: 11)
    }

    @Test func aworSetAddAndRemoveDeltas() {
        LatticeLaws.checkDeltaMutations(AWORSet.mutationSamples(), seed: 12)
    }

    @Test func recordCollectionMutatorDeltas() {
        LatticeLaws.checkDeltaMutations(RecordCollection.mutationSamples(), seed: 13)
    }

    /// Deltas are well formed (every dot they hold is in their context) and
    /// small: a mutation's delta holds at most the one record it touched.
    @Test func recordCollectionDeltasAreWellFormedAndSmall() {
        forAll(RecordCollection.replays(), seed: 14) { replay in
            for event in replay.events where event.isMutation {
                try #require(event.joined.causal.isWellFormed)
                try #require(event.joined.count <= 1)
            }
        }
    }
}
