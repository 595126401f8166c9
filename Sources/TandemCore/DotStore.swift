/// The payload of a causal CRDT: something that holds dots and can be joined
/// given the causal contexts of both sides (Almeida et al., "Delta State
/// Replicated Data Types", 2018, §5, "dot stores").
///
/// The join rule is the same for every dot store: keep an entry both sides
/// hold; keep an entry one side holds only if the other side's context has
/// not seen its dot (if it had, the other side removed or overwrote it).
/// Because a dot names exactly one write, this rule is what makes removes
/// observed-remove and concurrent adds win, with no tombstones.
public protocol DotStore: Equatable, Sendable {
    /// The empty store.
    init()
    /// Whether the store holds no dots.
    var isEmpty: Bool { get }
    /// Calls `body` with every dot held.
    func forEachDot(_ body: (Dot) -> Void)
    /// Joins `other` into `self`, where `selfContext` and `otherContext` are
    /// the causal contexts of the states the two stores belong to.
    mutating func join(_ other: Self, selfContext: CausalContext, otherContext: CausalContext)
}

extension DotStore {
    /// Every dot held, sorted.
    public var dots: [Dot] {
        var result: [Dot] = []
        forEachDot { result.append($0) }
        return result.sorted()
    }

    /// Whether any dot held here is in `context`.
    @inlinable
    public func containsDot(seenBy context: CausalContext) -> Bool {
        var found = false
        forEachDot { dot in
            if !found && context.contains(dot) { found = true }
        }
        return found
    }

    /// Removes every entry whose dot `context` has seen: the effect of
    /// joining an empty store whose context is `context`.
    @inlinable
    public mutating func remove(seenBy context: CausalContext, ownContext: CausalContext) {
        join(Self(), selfContext: ownContext, otherContext: context)
    }
}
