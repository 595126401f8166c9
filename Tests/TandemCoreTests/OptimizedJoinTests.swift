import PropertyBased
import TandemCore
import Testing

/// `RecordCollection.join` (with its dot index) is an optimization of the
/// generic causal join of `Causal<DotMap<String, RecordStore>>`, so the two
/// must always agree.
@Suite struct OptimizedJoinTests {
    @Test func joinEqualsGenericCausalJoinOnPairs() {
        let pairs = RecordCollection.stateTriples { $0 }.map { triple in (triple.0, triple.1) }
        forAll(pairs, count: 300, seed: 41) { pair in
            let (a, b) = pair
            try #require(a.joined(b).causal == a.causal.joined(b.causal))
        }
    }

    /// Along whole histories: a reference replica that joins the same deltas
    /// and states with the generic join stays equal to each real replica
    /// after every step (so the dot index never goes stale).
    @Test func replicasMatchAGenericReferenceAfterEveryStep() {
        forAll(RecordCollection.replays(steps: 1...40), count: 150, seed: 42) { replay in
            var reference = Array(repeating: Causal<DotMap<String, RecordStore>>(), count: replay.replicas.count)
            for event in replay.events {
                reference[event.replica].join(event.joined.causal)
                try #require(event.after.causal == reference[event.replica])
            }
        }
    }

    /// Round trips through `causal` and back keep the state.
    @Test func causalViewRoundTrips() {
        forAll(RecordCollection.replays(), count: 100, seed: 43) { replay in
            for state in replay.snapshots {
                let rebuilt = RecordCollection(records: state.causal.store.entries, context: state.causal.context)
                try #require(rebuilt == state)
                try #require(state.causal.isWellFormed)
            }
        }
    }
}
