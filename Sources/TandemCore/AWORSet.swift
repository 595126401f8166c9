/// An add-wins observed-remove set (Bieniusa et al., "An optimized
/// conflict-free replicated set", 2012) as a delta-state CRDT.
///
/// Each add creates a dot for the element; a remove clears exactly the dots
/// of that element the remover has seen. An add concurrent with a remove
/// therefore survives (add wins). Removed elements leave no tombstone: their
/// dots live on only inside the compact causal context.
///
/// Multi-valued record fields (tags, labels) are these sets.
///
/// ```swift
/// var tags = AWORSet()
/// let delta = tags.add(.string("vip"), dot: tags.state.context.nextDot(for: me))
/// peer.join(delta)
/// ```
public struct AWORSet: Lattice {
    /// The set's state: element to dots, and causal context.
    public var state: Causal<DotMap<Value, DotSet>>

    public init() { state = Causal() }

    public init(state: Causal<DotMap<Value, DotSet>>) { self.state = state }

    /// The elements present, sorted.
    public var elements: [Value] { state.store.sortedKeys }

    /// Whether `element` is present.
    public func contains(_ element: Value) -> Bool { state.store.entries[element] != nil }

    /// Adds `element` under the fresh `dot` (from `state.context.nextDot`),
    /// replacing the element's dots this replica has seen, and returns the
    /// delta.
    @discardableResult
    public mutating func add(_ element: Value, dot: Dot) -> AWORSet {
        var deltaContext = CausalContext(dots: state.store[element].elements)
        deltaContext.insert(dot)
        let delta = AWORSet(state: Causal(
            store: DotMap([element: DotSet([dot])]),
            context: deltaContext))
        join(delta)
        return delta
    }

    /// Removes `element` as observed here and returns the delta (empty when
    /// the element is absent).
    @discardableResult
    public mutating func remove(_ element: Value) -> AWORSet {
        let delta = AWORSet(state: Causal(
            store: DotMap(),
            context: CausalContext(dots: state.store[element].elements)))
        join(delta)
        return delta
    }

    public mutating func join(_ other: AWORSet) { state.join(other.state) }
}
