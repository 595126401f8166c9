extension CausalContext.NodeDots {
    /// The counters seen, as sorted, disjoint, non-adjacent ranges
    /// (`1...prefix` first when the prefix is not empty).
    public var ranges: [ClosedRange<UInt64>] {
        prefix > 0 ? [1...prefix] + cloud : cloud
    }

    /// The dots of one node from ranges sorted by lower bound and disjoint.
    init(sortedRanges: [ClosedRange<UInt64>]) {
        self.init()
        for range in sortedRanges { insert(range) }
    }

    /// The counters seen here and not in `other`.
    ///
    /// - Complexity: O(r + r') for the two range counts, whatever the
    ///   counter values.
    public func subtracting(_ other: CausalContext.NodeDots) -> CausalContext.NodeDots {
        let theirs = other.ranges
        var result: [ClosedRange<UInt64>] = []
        var j = 0
        for range in ranges {
            var lower = range.lowerBound
            var done = false
            // Skip their ranges wholly below this one.
            while j < theirs.count && theirs[j].upperBound < lower { j += 1 }
            var k = j
            while !done && k < theirs.count && theirs[k].lowerBound <= range.upperBound {
                let cut = theirs[k]
                if cut.lowerBound > lower { result.append(lower...(cut.lowerBound - 1)) }
                if cut.upperBound >= range.upperBound {
                    done = true
                } else {
                    lower = max(lower, cut.upperBound + 1)
                    k += 1
                }
            }
            if !done { result.append(lower...range.upperBound) }
        }
        return CausalContext.NodeDots(sortedRanges: result)
    }

    /// The counters seen both here and in `other`.
    ///
    /// - Complexity: O(r + r') for the two range counts.
    public func intersection(_ other: CausalContext.NodeDots) -> CausalContext.NodeDots {
        let mine = ranges
        let theirs = other.ranges
        var result: [ClosedRange<UInt64>] = []
        var i = 0
        var j = 0
        while i < mine.count && j < theirs.count {
            let lower = max(mine[i].lowerBound, theirs[j].lowerBound)
            let upper = min(mine[i].upperBound, theirs[j].upperBound)
            if lower <= upper { result.append(lower...upper) }
            if mine[i].upperBound < theirs[j].upperBound { i += 1 } else { j += 1 }
        }
        return CausalContext.NodeDots(sortedRanges: result)
    }

    /// The number of ranges held (the prefix counts as one).
    public var rangeCount: Int { cloud.count + (prefix > 0 ? 1 : 0) }
}

extension CausalContext {
    /// The dots seen here and not in `other`.
    ///
    /// - Complexity: O(n + r + r') over the nodes and the range counts.
    public func subtracting(_ other: CausalContext) -> CausalContext {
        var result = CausalContext()
        for (node, dots) in nodes {
            result.set(other.nodes[node].map { dots.subtracting($0) } ?? dots, for: node)
        }
        return result
    }

    /// The dots seen both here and in `other`.
    ///
    /// - Complexity: O(n + r + r') over the nodes and the range counts.
    public func intersection(_ other: CausalContext) -> CausalContext {
        var result = CausalContext()
        for (node, dots) in nodes {
            guard let theirs = other.nodes[node] else { continue }
            result.set(dots.intersection(theirs), for: node)
        }
        return result
    }

    /// The number of ranges over all nodes: what its size grows with.
    public var rangeCount: Int { nodes.values.reduce(0) { $0 + $1.rangeCount } }
}
