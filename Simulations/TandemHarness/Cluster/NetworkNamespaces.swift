import Foundation
import TandemTestSupport

/// One network namespace per node (`tandem-harness --netns`), each joined
/// to the harness's namespace by a veth pair, so the nodes have addresses
/// of their own (`10.X.Y.4k+2`, the host's end `10.X.Y.4k+1`, a /30 per
/// node, X.Y from the harness's process id) and talk only through the
/// proxies, which listen on the host's ends. Needs root and `ip`; `create`
/// says why when it cannot, and the harness then runs on loopback.
///
/// Guarantees: `remove()` deletes every namespace `create` made (and with
/// it its veth pair); a failed `create` removes what it had made.
public final class NetworkNamespaces: Sendable {
    /// One node's namespace and addresses.
    public struct Node: Sendable {
        public var namespace: String
        /// The node's address, inside its namespace.
        public var nodeAddress: String
        /// The host's end of the node's veth pair, where its proxies listen.
        public var hostAddress: String
        /// The name of that end.
        public var hostLink: String
    }

    /// The `ip` command.
    static let ip = "/usr/sbin/ip"

    public let nodes: [Node]

    private init(nodes: [Node]) {
        self.nodes = nodes
    }

    /// Makes `count` namespaces, or throws a `HarnessError` saying why not
    /// (not root, no `ip`, or a command that failed).
    public static func create(count: Int) throws -> NetworkNamespaces {
        guard getuid() == 0 else { throw HarnessError("network namespaces need root (uid \(getuid()))") }
        guard FileManager.default.isExecutableFile(atPath: ip) else { throw HarnessError("network namespaces need \(ip) (iproute2)") }
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        let subnet = "10.\(100 + (pid >> 8) % 150).\(pid % 256)"
        var made: [Node] = []
        do {
            for index in 0..<count {
                let hostEnd = "th\(pid % 100_000)h\(index + 1)"
                let node = Node(
                    namespace: "tandem-h\(pid)-n\(index + 1)", nodeAddress: "\(subnet).\(4 * index + 2)",
                    hostAddress: "\(subnet).\(4 * index + 1)", hostLink: hostEnd)
                let nodeEnd = "th\(pid % 100_000)n\(index + 1)"
                try run(["netns", "add", node.namespace])
                made.append(node)
                try run(["link", "add", hostEnd, "type", "veth", "peer", "name", nodeEnd])
                try run(["link", "set", nodeEnd, "netns", node.namespace])
                try run(["addr", "add", "\(node.hostAddress)/30", "dev", hostEnd])
                try run(["link", "set", hostEnd, "up"])
                try run(["netns", "exec", node.namespace, ip, "addr", "add", "\(node.nodeAddress)/30", "dev", nodeEnd])
                try run(["netns", "exec", node.namespace, ip, "link", "set", nodeEnd, "up"])
                try run(["netns", "exec", node.namespace, ip, "link", "set", "lo", "up"])
            }
        } catch {
            NetworkNamespaces(nodes: made).remove()
            throw error
        }
        return NetworkNamespaces(nodes: made)
    }

    /// Deletes the namespaces and their veth pairs.
    public func remove() {
        for node in nodes {
            try? Self.run(["netns", "del", node.namespace])
            // Gone with the namespace, unless setup stopped before moving
            // its peer in.
            try? Self.run(["link", "del", node.hostLink])
        }
    }

    private static func run(_ arguments: [String]) throws {
        let result = try Subprocess.runBlocking(URL(fileURLWithPath: ip), arguments)
        guard result.status == 0 else {
            throw HarnessError("ip \(arguments.joined(separator: " ")): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
