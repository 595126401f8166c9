import Foundation
import TandemTestSupport
import NIOCore
import NIOPosix

/// The nodes of a run, their external tables, and the fault proxies on
/// their links, on loopback.
///
/// Every link has two proxies, one per dialling direction: node a's
/// configuration names the proxy in front of b as b's address, and b's the
/// proxy in front of a; both apply the link's `LinkControl`.
public final class Cluster: Sendable {
    public let nodes: [NodeProcess]
    public let tables: [any ExternalTable]
    public let links: [LinkControl]
    /// Each node's neighbours' names (the nodes it has a link to).
    public let neighbours: [Set<String>]
    private let proxies: [FaultProxy]
    private let group: MultiThreadedEventLoopGroup

    private init(
        nodes: [NodeProcess], tables: [any ExternalTable], links: [LinkControl], neighbours: [Set<String>], proxies: [FaultProxy],
        group: MultiThreadedEventLoopGroup
    ) {
        self.nodes = nodes
        self.tables = tables
        self.links = links
        self.neighbours = neighbours
        self.proxies = proxies
        self.group = group
    }

    /// Makes the nodes' directories, keys, tables (with `initialRows`) and
    /// configurations, and starts the proxies; starts no node.
    /// `makeTable(index, node)` creates node `index`'s table and says how
    /// its adapter reaches it.
    static func build(
        nodeCount: Int, topology: HarnessTopology, directory: String, executable: URL, seed: UInt64,
        network: NetworkNamespaces? = nil,
        makeTable: (Int, NodeProcess) async throws -> (any ExternalTable, NodeConfiguration.Adapter)
    ) async throws -> Cluster {
        var nodes: [NodeProcess] = []
        var tables: [any ExternalTable] = []
        var adapters: [NodeConfiguration.Adapter] = []
        for index in 0..<nodeCount {
            let node = try await onOwnThread {
                try NodeProcess(
                    index: index, directory: (directory as NSString).appendingPathComponent("n\(index + 1)"), executable: executable,
                    network: network?.nodes[index])
            }
            let (table, adapter) = try await makeTable(index, node)
            nodes.append(node)
            tables.append(table)
            adapters.append(adapter)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var controls: [LinkControl] = []
        var proxies: [FaultProxy] = []
        var peers: [[NodeConfiguration.Peer]] = Array(repeating: [], count: nodeCount)
        let linked = topology.links(nodes: nodeCount)
        // Trust is the [[peer]] list (docs/configuration.md): a node accepts
        // batches signed only by its listed peers, and the configuration file
        // has no other way to name a trusted origin. So every node lists
        // every other; two nodes without a link in the topology dial each
        // other through a proxy that stays cut for the whole run.
        let all = (0..<nodeCount).flatMap { a in ((a + 1)..<nodeCount).map { HarnessLink(a: a, b: $0) } }
        do {
            for (number, link) in all.enumerated() {
                let control = LinkControl(link: link)
                if linked.contains(link) {
                    controls.append(control)
                } else {
                    control.update { $0.cut = true }
                }
                for (dialler, target) in [(link.a, link.b), (link.b, link.a)] {
                    // In namespaces the dialler reaches the proxy at the
                    // host's end of its own veth pair.
                    let bindHost = network?.nodes[dialler].hostAddress ?? "127.0.0.1"
                    let proxy = try await FaultProxy.start(
                        group: group, control: control, dialler: dialler, target: target,
                        targetPort: nodes[target].listenPort, seed: seed &+ UInt64(number * 2 + dialler),
                        bindHost: bindHost, targetHost: nodes[target].host)
                    proxies.append(proxy)
                    peers[dialler].append(NodeConfiguration.Peer(node: nodes[target], proxyHost: bindHost, proxyPort: proxy.port))
                }
            }
            for (index, node) in nodes.enumerated() {
                try NodeConfiguration.write(node: node, peers: peers[index], schema: tables[index].schema, adapter: adapters[index])
            }
        } catch {
            for proxy in proxies { await proxy.close() }
            try? await group.shutdownGracefully()
            throw error
        }
        let neighbours = (0..<nodeCount).map { index in
            Set(linked.filter { $0.a == index || $0.b == index }.map { nodes[$0.a == index ? $0.b : $0.a].name })
        }
        return Cluster(nodes: nodes, tables: tables, links: controls, neighbours: neighbours, proxies: proxies, group: group)
    }

    /// The link's control (nil if the topology has no such link).
    public func control(_ link: HarnessLink) -> LinkControl? {
        links.first { $0.link == link }
    }

    /// Stops every node (SIGTERM, then SIGKILL), then the proxies.
    public func shutDown() async {
        await withTaskGroup(of: Void.self) { tasks in
            for node in nodes { tasks.addTask { await node.stop() } }
        }
        for proxy in proxies { await proxy.close() }
        try? await group.shutdownGracefully()
    }
}
