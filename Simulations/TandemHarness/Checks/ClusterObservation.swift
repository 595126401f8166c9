import TandemDaemon

/// Every node's status and table at one moment (as close to one as a
/// sequence of reads gets).
struct ClusterObservation: Sendable {
    var statuses: [StatusReport?]
    var tables: [[TableRow]]

    static func take(_ cluster: Cluster) async throws -> ClusterObservation {
        var statuses: [StatusReport?] = []
        var tables: [[TableRow]] = []
        for (node, table) in zip(cluster.nodes, cluster.tables) {
            statuses.append(await node.status())
            tables.append(try await table.rows())
        }
        return ClusterObservation(statuses: statuses, tables: tables)
    }

    /// Why the cluster has not converged yet (empty: it has): a node not
    /// answering, a peer not connected or behind, an adapter busy or not
    /// running, state digests or tables that differ.
    func pending(neighbours: [Set<String>]) -> [String] {
        var reasons: [String] = []
        var digests: Set<String> = []
        for (index, status) in statuses.enumerated() {
            let name = "n\(index + 1)"
            guard let status else {
                reasons.append("\(name) does not answer")
                continue
            }
            for peer in status.peers where neighbours[index].contains(peer.name) && (!peer.connected || peer.deltasBehind != 0) {
                reasons.append("\(name): peer \(peer.name) \(peer.connected ? "behind by \(peer.deltasBehind.map(String.init) ?? "?")" : "not connected")")
            }
            for adapter in status.adapters ?? [] where adapter.state != "running" || !adapter.idle || adapter.retrying > 0 || adapter.heldDeletes > 0 {
                reasons.append("\(name): adapter \(adapter.state)\(adapter.idle ? "" : ", busy"), \(adapter.retrying) retrying, \(adapter.heldDeletes) held deletes")
            }
            digests.insert(status.collections.first { $0.name == "contacts" }?.stateDigest ?? "none")
        }
        if digests.count > 1 { reasons.append("state digests differ: \(digests.sorted())") }
        let differences = TableComparison.differences(tables)
        if !differences.isEmpty { reasons.append("tables differ (\(differences.count) records)") }
        return reasons
    }
}
