/// A causal CRDT: a dot store together with the causal context of everything
/// its replica has seen (Almeida et al., 2018, §5).
///
/// Paper: P. S. Almeida, A. Shoker, C. Baquero, "Delta State Replicated
/// Data Types", J. Parallel Distrib. Comput. 111 (2018),
/// <https://arxiv.org/abs/1603.01529>.
///
/// `Causal` is a `Lattice` for every `DotStore`: its join joins the stores
/// under both contexts and unions the contexts. The same type is a full
/// replica state and a delta: a delta mutator returns a small `Causal` whose
/// join into any replica has the effect of the mutation.
///
/// Invariant: every dot in `store` is in `context`. Decoders check it.
public struct Causal<Store: DotStore>: Lattice {
    /// What the replica holds.
    public internal(set) var store: Store
    /// Every dot the replica has seen, including those since removed.
    public internal(set) var context: CausalContext

    /// The empty replica.
    public init() {
        store = Store()
        context = CausalContext()
    }

    /// A replica from its parts; `store`'s dots must all be in `context`.
    public init(store: Store, context: CausalContext) {
        self.store = store
        self.context = context
    }

    public mutating func join(_ other: Causal) {
        store.join(other.store, selfContext: context, otherContext: other.context)
        context.formUnion(other.context)
    }

    /// Whether every dot of `store` is in `context` (the invariant).
    public var isWellFormed: Bool {
        var ok = true
        store.forEachDot { if !context.contains($0) { ok = false } }
        return ok
    }
}
