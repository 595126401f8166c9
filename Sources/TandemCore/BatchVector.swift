/// The batches a node holds, per origin: sequences `1...prefix` plus any
/// received out of order. Built on `CausalContext`, since a batch id is a
/// dot of (origin, sequence).
public struct BatchVector: Hashable, Sendable, CustomStringConvertible {
    /// The held batch ids.
    public private(set) var held: CausalContext

    public init() { held = CausalContext() }

    public init(held: CausalContext) { self.held = held }

    /// Whether the batch `(origin, sequence)` is held.
    public func contains(origin: NodeID, sequence: UInt64) -> Bool {
        held.contains(Dot(node: origin, counter: sequence))
    }

    /// The next sequence number `origin` will use: one above its highest.
    public func nextSequence(for origin: NodeID) -> UInt64 { held.maxCounter(of: origin) &+ 1 }

    /// Records the batch `(origin, sequence)` as held.
    public mutating func insert(origin: NodeID, sequence: UInt64) {
        held.insert(Dot(node: origin, counter: sequence))
    }

    /// Adds every batch `other` holds.
    public mutating func formUnion(_ other: BatchVector) { held.formUnion(other.held) }

    /// Removes every batch `other` holds.
    ///
    /// - Complexity: O(n + r + r') over the origins and the two vectors'
    ///   range counts, never proportional to sequence values (a peer's
    ///   vector may claim `1...2^60`).
    public mutating func subtract(_ other: BatchVector) { held = held.subtracting(other.held) }

    /// The batches held both here and in `other`.
    ///
    /// - Complexity: O(n + r + r'), as `subtract`.
    public func intersection(_ other: BatchVector) -> BatchVector { BatchVector(held: held.intersection(other.held)) }

    /// The batches held for the given origins only.
    public func restricted(to origins: Set<NodeID>) -> BatchVector {
        var result = CausalContext()
        for (origin, dots) in held.nodes where origins.contains(origin) { result.set(dots, for: origin) }
        return BatchVector(held: result)
    }

    /// The number of sequence ranges held: what the vector's size grows with.
    public var rangeCount: Int { held.rangeCount }

    public var description: String { held.description }
}
