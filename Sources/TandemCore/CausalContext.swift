/// The set of dots a replica (or a delta) has seen: a version vector plus a
/// dot cloud, kept compact as ranges.
///
/// For each node the context stores a contiguous prefix `1...prefix` (the
/// version vector entry) and, above it, a sorted list of disjoint,
/// non-adjacent ranges (the dot cloud: dots seen out of order, or the dots a
/// delta carries). When the cloud catches up with the prefix it is folded in,
/// so a replica that has seen everything from a node stores one integer for
/// it. There are no per-element tombstones anywhere: a removed element is
/// "remembered" only as a dot inside this context (Almeida et al., "Delta
/// State Replicated Data Types", 2018, §5; Bieniusa et al., 2012).
///
/// Joining two contexts is set union: commutative, associative, idempotent.
///
/// - Complexity: `contains` is O(log r) for r cloud ranges of the dot's node
///   (usually 0 or 1); `formUnion` is O(n + r) over the nodes and ranges.
public struct CausalContext: Hashable, Sendable, CustomStringConvertible {
    /// The dots seen from one node: `1...prefix` plus `cloud`.
    public struct NodeDots: Hashable, Sendable {
        /// Every counter in `1...prefix` has been seen.
        public private(set) var prefix: UInt64
        /// Sorted, disjoint, non-adjacent ranges strictly above `prefix + 1`.
        public private(set) var cloud: [ClosedRange<UInt64>]

        /// Creates the dots of one node from a prefix and cloud ranges in any
        /// order; overlapping and adjacent ranges are merged.
        public init(prefix: UInt64 = 0, cloud: [ClosedRange<UInt64>] = []) {
            self.prefix = prefix
            self.cloud = []
            for range in cloud { insert(range) }
        }

        /// Whether nothing has been seen from the node.
        @inlinable
        public var isEmpty: Bool { prefix == 0 && cloud.isEmpty }

        /// The highest counter seen, or 0.
        @inlinable
        public var maxCounter: UInt64 { cloud.last?.upperBound ?? prefix }

        /// The number of counters seen.
        public var count: UInt64 {
            cloud.reduce(prefix) { $0 &+ ($1.upperBound - $1.lowerBound &+ 1) }
        }

        /// Whether `counter` has been seen.
        @inlinable
        public func contains(_ counter: UInt64) -> Bool {
            if counter <= prefix { return counter != 0 }
            if cloud.isEmpty { return false }
            // Binary search for the last range whose lower bound <= counter.
            var low = 0
            var high = cloud.count
            while low < high {
                let mid = (low + high) / 2
                if cloud[mid].lowerBound <= counter { low = mid + 1 } else { high = mid }
            }
            return low > 0 && cloud[low - 1].upperBound >= counter
        }

        /// Adds the counters of `range` (which must not contain 0).
        ///
        /// Counters go up to `UInt64.max`, so adjacency is tested as
        /// `a < b - 1` (with `b >= 1`), never as `a + 1 < b`, which wraps.
        public mutating func insert(_ range: ClosedRange<UInt64>) {
            var lower = max(range.lowerBound, 1)
            let upper = range.upperBound
            guard upper >= lower else { return }
            if lower - 1 <= prefix {
                if upper > prefix { prefix = upper }
                absorbCloudIntoPrefix()
                return
            }
            // From here on `lower >= 2`, as is every cloud bound.
            // A range starting at or after the last one can only touch the
            // last one: ranges inserted in increasing order (by decoders and
            // `formUnion`) take constant time.
            if let last = cloud.last, last.lowerBound <= lower {
                if last.upperBound < lower - 1 {
                    cloud.append(lower...upper)
                } else if upper > last.upperBound {
                    cloud[cloud.count - 1] = last.lowerBound...upper
                }
                return
            }
            // Merge into the cloud, keeping it sorted, disjoint and non-adjacent.
            var merged: [ClosedRange<UInt64>] = []
            merged.reserveCapacity(cloud.count + 1)
            var pendingUpper = upper
            var placed = false
            for existing in cloud {
                if placed {
                    merged.append(existing)
                } else if existing.upperBound < lower - 1 {
                    merged.append(existing)
                } else if pendingUpper < existing.lowerBound - 1 {
                    merged.append(lower...pendingUpper)
                    merged.append(existing)
                    placed = true
                } else {
                    lower = min(lower, existing.lowerBound)
                    pendingUpper = max(pendingUpper, existing.upperBound)
                }
            }
            if !placed { merged.append(lower...pendingUpper) }
            cloud = merged
        }

        /// Adds every counter that `other` has seen.
        ///
        /// - Complexity: O(r + r') for the two clouds' range counts: the
        ///   clouds are merged in one pass, in increasing order.
        public mutating func formUnion(_ other: NodeDots) {
            if other.prefix > prefix {
                prefix = other.prefix
                absorbCloudIntoPrefix()
            }
            guard !other.cloud.isEmpty else { return }
            if cloud.isEmpty {
                for range in other.cloud { insert(range) }
                return
            }
            let mine = cloud
            cloud = []
            cloud.reserveCapacity(mine.count + other.cloud.count)
            var i = 0
            var j = 0
            while i < mine.count || j < other.cloud.count {
                if j == other.cloud.count || (i < mine.count && mine[i].lowerBound <= other.cloud[j].lowerBound) {
                    insert(mine[i])
                    i += 1
                } else {
                    insert(other.cloud[j])
                    j += 1
                }
            }
        }

        private mutating func absorbCloudIntoPrefix() {
            var drop = 0
            for range in cloud {
                if range.lowerBound > prefix && range.lowerBound - prefix > 1 { break }
                prefix = max(prefix, range.upperBound)
                drop += 1
            }
            if drop > 0 { cloud.removeFirst(drop) }
        }
    }

    /// Per-node seen dots; never holds an empty entry.
    public private(set) var nodes: [NodeID: NodeDots]

    /// The empty context.
    public init() { nodes = [:] }

    /// A context holding exactly the given dots.
    public init<S: Sequence>(dots: S) where S.Element == Dot {
        nodes = [:]
        for dot in dots { insert(dot) }
    }

    /// Whether no dot has been seen.
    @inlinable
    public var isEmpty: Bool { nodes.isEmpty }

    /// Whether `dot` has been seen.
    @inlinable
    public func contains(_ dot: Dot) -> Bool {
        guard let dots = nodes[dot.node] else { return false }
        return dots.contains(dot.counter)
    }

    /// The highest counter seen from `node`, or 0.
    @inlinable
    public func maxCounter(of node: NodeID) -> UInt64 {
        nodes[node]?.maxCounter ?? 0
    }

    /// The dot `node` uses for its next write: one above everything seen from it.
    @inlinable
    public func nextDot(for node: NodeID) -> Dot {
        Dot(node: node, counter: maxCounter(of: node) &+ 1)
    }

    /// The version vector part: the contiguous prefix seen from each node.
    public var versionVector: [NodeID: UInt64] {
        nodes.compactMapValues { $0.prefix == 0 ? nil : $0.prefix }
    }

    /// The total number of dots seen.
    public var dotCount: UInt64 {
        nodes.values.reduce(0) { $0 &+ $1.count }
    }

    /// Records `dot` as seen.
    public mutating func insert(_ dot: Dot) {
        insert(node: dot.node, dot.counter...dot.counter)
    }

    /// Records the counters of `range` from `node` as seen.
    public mutating func insert(node: NodeID, _ range: ClosedRange<UInt64>) {
        guard range.upperBound > 0 else { return }
        nodes[node, default: NodeDots()].insert(range)
    }

    /// Records `dots` as seen (`dots` is sorted here), a run of consecutive
    /// counters of one node at a time.
    mutating func insert(dots: inout [Dot]) {
        dots.sort()
        var index = 0
        while index < dots.count {
            let node = dots[index].node
            let lower = dots[index].counter
            var upper = lower
            index += 1
            while index < dots.count && dots[index].node == node && upper < .max
                    && dots[index].counter <= upper + 1 {
                upper = max(upper, dots[index].counter)
                index += 1
            }
            insert(node: node, lower...upper)
        }
    }

    /// Replaces what is known of `node`; used by decoders.
    mutating func set(_ dots: NodeDots, for node: NodeID) {
        if dots.isEmpty { nodes[node] = nil } else { nodes[node] = dots }
    }

    /// Sets what is known of `node` (an empty value removes the node);
    /// used by stores that keep a context one row per node.
    package mutating func replace(_ node: NodeID, with dots: NodeDots) {
        set(dots, for: node)
    }

    /// Adds every dot `other` has seen (the join of two contexts).
    public mutating func formUnion(_ other: CausalContext) {
        for (node, dots) in other.nodes {
            if let mine = nodes[node] {
                if mine == dots { continue }
                var copy = mine
                nodes[node] = nil
                copy.formUnion(dots)
                nodes[node] = copy
            } else {
                nodes[node] = dots
            }
        }
    }

    /// The union of two contexts.
    public func union(_ other: CausalContext) -> CausalContext {
        var result = self
        result.formUnion(other)
        return result
    }

    public var description: String {
        let parts = nodes.sorted { $0.key < $1.key }.map { node, dots in
            let cloud = dots.cloud.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
            return "\(node)=1-\(dots.prefix)" + (cloud.isEmpty ? "" : "+{\(cloud)}")
        }
        return "{" + parts.joined(separator: " ") + "}"
    }
}
