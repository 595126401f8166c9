/// A join-semilattice: a state type whose `join` is the least upper bound.
///
/// Every Tandem CRDT conforms. The law checker in the tests verifies, for
/// every conforming type over generated values, that `join` is commutative,
/// associative and idempotent, and that `init()` is its identity. These laws
/// are what make replicas converge whatever order, grouping and duplication
/// the network delivers states and deltas in (Shapiro et al.,
/// "Conflict-free Replicated Data Types", SSS 2011,
/// <https://inria.hal.science/inria-00609399>).
public protocol Lattice: Equatable, Sendable {
    /// The bottom element: the state of a replica that has seen nothing.
    init()
    /// Replaces `self` with the least upper bound of `self` and `other`.
    mutating func join(_ other: Self)
}

extension Lattice {
    /// The least upper bound of `self` and `other`.
    @inlinable
    public func joined(_ other: Self) -> Self {
        var result = self
        result.join(other)
        return result
    }
}
