import PropertyBased
import TandemCore
import TandemTestSupport
import TandemPropertySupport
import Testing

/// `RecordCollection.join` (with its dot index) is an optimization of the
/// generic causal join of `Causal<DotMap<String, RecordStore>>`, so the two
/// must always agree.
@Suite(.ownThread) struct OptimizedJoinTests {
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
                let rebuilt = RecordCollection(trusted: state.causal.store.entries, context: state.causal.context)
                try #require(rebuilt == state)
                try #require(state.causal.isWellFormed)
            }
        }
    }

    /// Long histories: thousands of dots from one node, most overwritten or
    /// deleted, and concurrent work from a second node, so the dot index
    /// grows, empties and reorganizes. Each replica equals the generic join
    /// of the same deltas, and joins between them agree with the generic
    /// join too (a stale index would miss a removal).
    @Test func longHistoriesMatchTheGenericJoin() throws {
        var a = RecordCollection()
        var b = RecordCollection()
        var time: UInt64 = 1_000
        func tick() -> HLCTimestamp {
            time += 1
            return Fixture.timestamp(time)
        }
        /// The generic join of deltas that touch distinct records (or none),
        /// built in one step rather than one generic join per delta.
        func combined(_ deltas: [RecordCollection]) -> Causal<DotMap<String, RecordStore>> {
            var records: [String: RecordStore] = [:]
            var context = CausalContext()
            for delta in deltas {
                records.merge(delta.records) { first, _ in first }
                context.formUnion(delta.context)
            }
            return Causal(store: DotMap(records), context: context)
        }
        // 2,000 records of one field each, written by a.
        var reference = combined(try (0..<2_000).map { record in
            try a.set("name", to: .int(Int64(record)), in: "r\(record)", by: Fixture.a, at: tick())
        })
        try #require(a.causal == reference)
        // b learns everything, then overwrites 1,800 records while a deletes
        // 1,500 of them and overwrites 200 (concurrently).
        b.join(a)
        for record in 0..<1_800 {
            _ = try b.set("name", to: .string("b"), in: "r\(record)", by: Fixture.b, at: tick())
        }
        reference.join(combined((300..<1_800).map { a.delete("r\($0)") }))
        reference.join(combined(try (1_800..<2_000).map { record in
            try a.set("name", to: .string("a"), in: "r\(record)", by: Fixture.a, at: tick())
        }))
        try #require(a.causal == reference)
        try #require(a.joined(b).causal == a.causal.joined(b.causal))
        try #require(b.joined(a).causal == b.causal.joined(a.causal))
        // Exchange both ways: b's overwrites of deleted records survive
        // (concurrent with the delete).
        a.join(b)
        b.join(a)
        #expect(a == b)
        #expect(a.count == 2_000)
        #expect(a.value(of: "name", in: "r500") == .string("b"))
    }
}
