import PropertyBased
import TandemCore
import TandemTestSupport
import Testing

/// The lattice laws, checked by the one generic checker over every CRDT type,
/// on states of genuinely concurrent replicas.
@Suite(.ownThread) struct LatticeLawTests {
    @Test func lwwRegisterIsALattice() {
        LatticeLaws.check(LWWRegister.stateTriples { $0 }, seed: 1)
    }

    @Test func aworSetIsALattice() {
        LatticeLaws.check(AWORSet.stateTriples { $0 }, seed: 2)
    }

    @Test func recordCollectionIsALattice() {
        LatticeLaws.check(RecordCollection.stateTriples { $0 }, seed: 3)
    }

    /// The generic causal lattice over one record's dot store: each state is
    /// a collection's record "r1" under the collection's context.
    @Test func causalRecordStoreIsALattice() {
        LatticeLaws.check(
            RecordCollection.stateTriples { Causal(store: $0.records["r1"] ?? RecordStore(), context: $0.context) },
            seed: 4)
    }

    /// The reference semantics of a collection: the generic causal dot map.
    @Test func causalRecordMapIsALattice() {
        LatticeLaws.check(RecordCollection.stateTriples { $0.causal }, seed: 5)
    }
}
