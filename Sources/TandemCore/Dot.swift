/// A dot: the unique name of one write event, `(node, counter)`.
///
/// Every mutation on a node takes the next counter of that node
/// (`CausalContext.nextDot(for:)`), so a dot names exactly one write of one
/// field, one set element or one record presence, forever. Dots are the
/// basis of the optimized observed-remove semantics of Bieniusa et al.
/// ("An optimized conflict-free replicated set", 2012) and of the
/// delta-state causal CRDTs of Almeida et al. ("Delta State Replicated Data
/// Types", 2018): a remove clears the dots it has seen, and a causal context
/// remembers which dots a replica has seen without keeping tombstones.
public struct Dot: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The node that made the write.
    public var node: NodeID
    /// The node's event counter; the first write of a node is 1.
    public var counter: UInt64

    @inlinable
    public init(node: NodeID, counter: UInt64) {
        self.node = node
        self.counter = counter
    }

    @inlinable
    public static func < (lhs: Dot, rhs: Dot) -> Bool {
        if lhs.node != rhs.node { return lhs.node < rhs.node }
        return lhs.counter < rhs.counter
    }

    public var description: String { "\(node):\(counter)" }
}
