import PropertyBased
import TandemCore
import TandemPropertySupport
import Testing

/// The laws every `Lattice` must obey, as one checker reused for every CRDT
/// type (in the manner of swift-collections' conformance checkers).
///
/// These laws are what make replicas converge whatever order, grouping and
/// duplication the network delivers states and deltas in.
enum LatticeLaws {
    /// Checks, on generated triples of states, that `join` is commutative,
    /// associative and idempotent, that `init()` is its identity, and that
    /// `a ⊔ b` is an upper bound of `a` (absorption).
    ///
    /// Triples come from one replayed history (as a network produces them)
    /// or are arbitrary well-formed states (as decoders accept them).
    static func check<L: Lattice>(
        _ triples: Generator<(L, L, L), some Sequence>,
        count: Int = 150,
        seed: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        forAll(triples, count: count, seed: seed, sourceLocation: sourceLocation) { triple in
            let (a, b, c) = triple
            try #require(a.joined(b) == b.joined(a), "join is commutative")
            try #require(a.joined(b).joined(c) == a.joined(b.joined(c)), "join is associative")
            try #require(a.joined(a) == a, "join is idempotent")
            try #require(L().joined(a) == a, "init() is a left identity")
            try #require(a.joined(L()) == a, "init() is a right identity")
            try #require(a.joined(a.joined(b)) == a.joined(b), "a ⊔ b is an upper bound of a")
        }
    }

    /// Checks, on generated mutations, that a delta mutator's delta has the
    /// mutation's effect: `before ⊔ delta == after`, the delta is contained
    /// in the new state, and on any replica that has seen `before`, joining
    /// the delta equals joining the whole new state.
    static func checkDeltaMutations<L: Lattice>(
        _ mutations: Generator<[(before: L, delta: L, after: L, other: L)], some Sequence>,
        count: Int = 150,
        seed: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        forAll(mutations, count: count, seed: seed, sourceLocation: sourceLocation) { mutations in
            for (before, delta, after, other) in mutations {
                try #require(before.joined(delta) == after, "mutation == join of its delta")
                try #require(after.joined(delta) == after, "the delta is contained in the new state")
                let replica = before.joined(other)
                try #require(replica.joined(delta) == replica.joined(after), "delta-join equals state-join")
            }
        }
    }
}

extension ScriptedCRDT {
    /// Triples of states from one replayed script, projected by `project`.
    static func stateTriples<P: Lattice>(
        steps: ClosedRange<Int> = 1...30,
        _ project: @escaping @Sendable (Self) -> P
    ) -> Generator<(P, P, P), some SendableSequenceType> {
        zip(replays(steps: steps), Gen.int(in: 0...1_000).array(of: 3)).map { replay, picks in
            let snapshots = replay.snapshots + replay.deltas
            let chosen = picks.map { project(snapshots[$0 % snapshots.count]) }
            return (chosen[0], chosen[1], chosen[2])
        }
    }

    /// Every mutation of a replayed script, each with another state of the
    /// same history to stand for what a receiver has seen besides `before`.
    static func mutationSamples(steps: ClosedRange<Int> = 1...30) -> Generator<[(before: Self, delta: Self, after: Self, other: Self)], some SendableSequenceType> {
        zip(replays(steps: steps), Gen.int(in: 0...1_000)).map { replay, pick in
            let snapshots = replay.snapshots
            return replay.events.enumerated().filter(\.element.isMutation).map { index, event in
                (event.before, event.joined, event.after, snapshots[(pick &+ index) % snapshots.count])
            }
        }
    }
}
