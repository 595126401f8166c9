/// The shape of the network: which node pairs have a link.
public enum TopologyKind: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Two nodes, one link.
    case pair
    /// Node i linked to i + 1.
    case line
    /// A line closed into a circle.
    case ring
    /// Every pair linked.
    case mesh
    /// A random spanning tree plus random extra links (about three more
    /// per node), always connected.
    case random

    public var description: String { rawValue }
}

/// The links of one run, and the distances they imply.
public struct Topology: Hashable, Sendable {
    /// One undirected link, `a < b`.
    public struct Link: Hashable, Sendable {
        public var a: Int
        public var b: Int
    }

    public let kind: TopologyKind
    public let nodeCount: Int
    /// Links in a fixed order (by `a`, then `b`).
    public let links: [Link]
    /// The longest shortest path, in hops.
    public let diameter: Int

    /// Builds the topology; `random` draws from `random`.
    public init(kind: TopologyKind, nodeCount: Int, random: inout SimRandom) {
        self.kind = kind
        self.nodeCount = nodeCount
        var pairs = Set<Link>()
        func link(_ x: Int, _ y: Int) {
            guard x != y else { return }
            pairs.insert(Link(a: min(x, y), b: max(x, y)))
        }
        switch kind {
        case .pair, .line:
            for i in 0..<(nodeCount - 1) { link(i, i + 1) }
        case .ring:
            for i in 0..<nodeCount { link(i, (i + 1) % nodeCount) }
        case .mesh:
            for i in 0..<nodeCount { for j in (i + 1)..<max(i + 1, nodeCount) { link(i, j) } }
        case .random:
            for i in 1..<max(1, nodeCount) { link(i, random.below(i)) }
            let extra = nodeCount > 2 ? min(1.0, 3.0 / Double(nodeCount - 1)) : 0
            for i in 0..<nodeCount {
                for j in (i + 1)..<max(i + 1, nodeCount) where random.chance(extra) { link(i, j) }
            }
        }
        links = pairs.sorted { ($0.a, $0.b) < ($1.a, $1.b) }
        diameter = Topology.diameter(of: links, nodeCount: nodeCount)
    }

    /// The neighbours of each node, in increasing order.
    public var neighbours: [[Int]] {
        var result = Array(repeating: [Int](), count: nodeCount)
        for link in links {
            result[link.a].append(link.b)
            result[link.b].append(link.a)
        }
        return result.map { $0.sorted() }
    }

    private static func diameter(of links: [Link], nodeCount: Int) -> Int {
        var adjacency = Array(repeating: [Int](), count: nodeCount)
        for link in links {
            adjacency[link.a].append(link.b)
            adjacency[link.b].append(link.a)
        }
        var longest = 0
        for start in 0..<nodeCount {
            var distance = Array(repeating: -1, count: nodeCount)
            distance[start] = 0
            var queue = [start]
            var head = 0
            while head < queue.count {
                let node = queue[head]
                head += 1
                for next in adjacency[node] where distance[next] < 0 {
                    distance[next] = distance[node] + 1
                    queue.append(next)
                }
            }
            longest = max(longest, distance.max() ?? 0)
        }
        return longest
    }
}
