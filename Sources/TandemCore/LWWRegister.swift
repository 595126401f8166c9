/// A last-writer-wins register with observed-overwrite semantics, as a
/// standalone delta-state CRDT.
///
/// The value is the write with the greatest `(hybrid timestamp, node id)`.
/// Concurrent writes that lost are kept as `conflicts` until a later write
/// observes them, so no edit disappears silently. Each field of a record is
/// one of these registers (inside a `RecordCollection` they share the
/// collection's causal context).
///
/// ```swift
/// var register = LWWRegister()
/// let delta = register.write(.string("+1 555"), dot: dot, timestamp: ts)
/// other.join(delta)   // same effect as the write itself
/// ```
public struct LWWRegister: Lattice {
    /// The register's state: its entries and causal context.
    public var state: Causal<RegisterStore>

    public init() { state = Causal() }

    public init(state: Causal<RegisterStore>) { self.state = state }

    /// The current value, or `nil` before the first write.
    public var value: Value? { state.store.value }

    /// The winning write.
    public var winner: RegisterEntry? { state.store.winner }

    /// Concurrent writes that lost to `winner`.
    public var conflicts: [RegisterEntry] { state.store.conflicts }

    /// Writes `value`, replacing every write this replica has seen, and
    /// returns the delta. `dot` must be `state.context.nextDot(for:)` of the
    /// writer and `timestamp` the writer's fresh HLC tick.
    ///
    /// - Complexity: O(number of current entries), usually O(1).
    @discardableResult
    public mutating func write(_ value: Value, dot: Dot, timestamp: HLCTimestamp) -> LWWRegister {
        var deltaContext = CausalContext(dots: state.store.entries.map(\.dot))
        deltaContext.insert(dot)
        let delta = LWWRegister(state: Causal(
            store: RegisterStore(single: RegisterEntry(dot: dot, timestamp: timestamp, value: value)),
            context: deltaContext))
        join(delta)
        return delta
    }

    public mutating func join(_ other: LWWRegister) { state.join(other.state) }
}
