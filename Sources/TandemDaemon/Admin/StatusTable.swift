import Foundation

/// Renders a ``StatusReport`` as the readable text `tandem status` prints.
///
/// Guarantees: every field of the report appears; columns are aligned;
/// figures that are unknown show as `-`.
public enum StatusTable {
    public static func render(_ report: StatusReport) -> String {
        var lines: [String] = []
        let node = report.node
        lines.append("node \(node.name)  id \(node.id)")
        lines.append("listen \(node.listen)  admin \(node.admin)  up \(node.uptimeSeconds) s since \(node.startedAt)")
        lines.append("")
        lines.append(contentsOf: table(
            ["PEER", "CONNECTED", "SINCE", "LAST CONTACT", "DELTAS BEHIND", "ADDRESS"],
            report.peers.map { peer in
                [peer.name, peer.connected ? "yes" : "no", peer.connectedSince ?? "-", peer.lastContact ?? "-",
                 peer.deltasBehind.map(String.init) ?? "-", peer.address]
            }))
        for peer in report.peers {
            guard let catchUp = peer.catchUp else { continue }
            lines.append("  \(peer.name) \(catchUp.finished ? "caught up" : "catching up"): \(catchUp.summary)")
        }
        lines.append("")
        lines.append(contentsOf: table(
            ["COLLECTION", "RECORDS", "STATE DIGEST"],
            report.collections.map { [$0.name, String($0.records), $0.stateDigest] }))
        if let adapters = report.adapters, !adapters.isEmpty {
            lines.append("")
            lines.append(contentsOf: table(
                ["ADAPTER", "STATE", "CAPTURED", "WRITTEN", "LOST EDITS", "RETRYING", "HELD DELETES", "ERRORS", "BACKFILL"],
                adapters.map { adapter in
                    [adapter.name, adapter.state, String(adapter.captured), String(adapter.written), String(adapter.lostEdits),
                     String(adapter.retrying), String(adapter.heldDeletes), String(adapter.errors), backfill(adapter)]
                }))
            for adapter in adapters {
                if let reason = adapter.pausedReason { lines.append("  \(adapter.name) paused: \(reason)") }
                if !adapter.issues.isEmpty {
                    let issues = adapter.issues.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    lines.append("  \(adapter.name) rows not synced: \(issues)")
                }
                if let error = adapter.lastError { lines.append("  \(adapter.name) last error: \(error)") }
            }
        }
        lines.append("")
        let health = report.health
        lines.append(contentsOf: table(
            ["HEALTH", "VALUE"],
            [
                ["deltas received", String(health.deltasReceived)],
                ["deltas made here", String(health.deltasLocal)],
                ["messages sent / received", "\(health.messagesSent) / \(health.messagesReceived)"],
                ["bytes sent / received", "\(health.bytesSent) / \(health.bytesReceived)"],
                ["rejected messages", String(health.rejectedMessages)],
                ["sync latency p50 / p99", health.syncLatencyP50Ms.map { p50 in
                    "\(p50) ms / \(health.syncLatencyP99Ms.map(String.init) ?? "-") ms (\(health.syncLatencyCount ?? 0) changes)"
                } ?? "-"],
                ["sync errors", String(health.syncErrors)],
                ["conflicts", health.conflicts.map(String.init) ?? "-"],
                ["record parity", health.parityRatio.map { String($0) } ?? "-"],
                ["last parity check", health.lastParityCheck ?? "-"],
                ["alerts firing", health.alerts.map { $0.isEmpty ? "none" : $0.joined(separator: ", ") } ?? "-"],
            ]))
        return lines.joined(separator: "\n") + "\n"
    }

    /// Rows imported, and while backfilling the rate and time left.
    private static func backfill(_ adapter: StatusReport.Adapter) -> String {
        var text = String(adapter.backfilledRows)
        if let total = adapter.backfillTotal { text += "/\(total)" }
        text += " rows"
        if let rate = adapter.backfillRowsPerSecond { text += ", \(Int(rate)) rows/s" }
        if let left = adapter.backfillSecondsLeft { text += ", \(Int(left.rounded(.up))) s left" }
        return text
    }

    private static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var lines = all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        if rows.isEmpty { lines.append("(none)") }
        return lines
    }
}
