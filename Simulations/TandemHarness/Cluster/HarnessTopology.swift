/// How the harness links its nodes: every link is a pair of nodes that list
/// each other as peers, each dialling the other through a fault proxy.
public enum HarnessTopology: String, CaseIterable, Sendable {
    /// Two nodes, one link (the harness needs exactly 2 nodes for it).
    case pair
    /// n1 - n2 - … - nN: changes between the ends cross every node.
    case line
    /// A line closed into a circle: two paths between any two nodes.
    case ring
    /// Every node linked to every other.
    case mesh

    /// The links of `nodes` nodes (0-based indices, lower index first),
    /// in a fixed order.
    public func links(nodes: Int) -> [HarnessLink] {
        guard nodes >= 2 else { return [] }
        switch self {
        case .pair, .line:
            return (0..<(nodes - 1)).map { HarnessLink(a: $0, b: $0 + 1) }
        case .ring:
            var links = (0..<(nodes - 1)).map { HarnessLink(a: $0, b: $0 + 1) }
            if nodes > 2 { links.append(HarnessLink(a: 0, b: nodes - 1)) }
            return links
        case .mesh:
            return (0..<nodes).flatMap { a in ((a + 1)..<nodes).map { HarnessLink(a: a, b: $0) } }
        }
    }
}

/// One undirected link between two nodes (`a < b`).
public struct HarnessLink: Hashable, Sendable, CustomStringConvertible {
    public var a: Int
    public var b: Int

    public init(a: Int, b: Int) {
        self.a = min(a, b)
        self.b = max(a, b)
    }

    public var description: String { "n\(a + 1)-n\(b + 1)" }
}
