import Foundation
import TandemDaemon
import TandemTestSupport

/// Full parity as the nodes report it, through the `tandem` command as an
/// operator runs it: `tandem parity --json` on every node finds no row to
/// repair and no linked peer whose CRDT state differed, then `tandem status --json` on every node shows every peer
/// it has a link to connected with no deltas behind, every adapter running with nothing
/// retrying or held, record parity 1, and the same state digest everywhere.
enum StatusCheck {
    static func findings(cluster: Cluster, executable: URL) async -> [String] {
        var lines: [String] = []
        for node in cluster.nodes {
            do {
                let parity = try await TandemCommand.run(executable, ["parity", "--config", node.configPath, "--json"])
                guard parity.status == 0 else {
                    lines.append("\(node.name): tandem parity failed: \(parity.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
                    continue
                }
                let run = try AdapterReports.decode(AdapterReports.ParityRun.self, Data(parity.stdout.utf8))
                for check in run.adapters where check.repairs > 0 || check.skipped != nil {
                    lines.append("\(node.name): tandem parity: \(check.line)")
                }
                // Peers the topology never links stay unreachable; a linked
                // peer whose state differed (repaired now) or differs is a finding.
                for peer in run.peers where peer.outcome == "repaired" || peer.outcome == "differences" {
                    lines.append("\(node.name): tandem parity: \(peer.line)")
                }
            } catch {
                lines.append("\(node.name): tandem parity: \(error)")
            }
        }
        var digests: [String: [String]] = [:]
        for (index, node) in cluster.nodes.enumerated() {
            do {
                let result = try await TandemCommand.run(executable, ["status", "--config", node.configPath, "--json"])
                guard result.status == 0 else {
                    lines.append("\(node.name): tandem status failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
                    continue
                }
                let report = try StatusReport.decode(Data(result.stdout.utf8))
                for peer in report.peers where cluster.neighbours[index].contains(peer.name) && (!peer.connected || peer.deltasBehind != 0) {
                    lines.append("\(node.name): peer \(peer.name) connected=\(peer.connected) deltas behind \(peer.deltasBehind.map(String.init) ?? "unknown")")
                }
                for adapter in report.adapters ?? [] {
                    if adapter.state != "running" || adapter.retrying > 0 || adapter.heldDeletes > 0 {
                        lines.append("\(node.name): adapter \(adapter.name) \(adapter.state), \(adapter.retrying) retrying, \(adapter.heldDeletes) held deletes")
                    }
                }
                if report.health.parityRatio != 1 {
                    lines.append("\(node.name): record parity \(report.health.parityRatio.map { String($0) } ?? "unknown"), expected 1")
                }
                let digest = report.collections.first { $0.name == "contacts" }?.stateDigest ?? "none"
                digests[digest, default: []].append(node.name)
            } catch {
                lines.append("\(node.name): tandem status: \(error)")
            }
        }
        if digests.count > 1 {
            lines.append("state digests differ: " + digests.keys.sorted().map { "\($0) on \(digests[$0]?.joined(separator: ", ") ?? "")" }.joined(separator: "; "))
        }
        return lines
    }
}
