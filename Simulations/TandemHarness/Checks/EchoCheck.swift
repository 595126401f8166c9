/// No echo: the writes the harness's triggers counted on each table, less
/// the harness's own, are the adapter's; per record they may not exceed
/// the edits made to that record anywhere (each edit elsewhere warrants one
/// write here, each edit here at most one write setting it back when it
/// lost) plus one per restart of the node (a write repeated after a
/// SIGKILL). Ping-pong between two nodes exceeds that at once. Writes of
/// rows with neither an email nor a key-map entry (a record that lost its
/// email to a concurrent delete, since deleted) cannot be attributed to a
/// record and are left out; the quiet check still catches their ping-pong.
public enum EchoCheck {
    public static func findings(counts: [[String: Int]], edits: [AppliedEdit], restarts: [Int]) -> [String] {
        var lines: [String] = []
        let editsByKey = Dictionary(grouping: edits, by: \.key)
        for (node, perRecord) in counts.enumerated() {
            for (key, total) in perRecord.sorted(by: { $0.key < $1.key }) where !key.isEmpty {
                let history = editsByKey[key] ?? []
                let own = history.filter { $0.node == node }.reduce(0) { $0 + $1.rows }
                let adapterWrites = total - own
                let warranted = history.count + restarts[node]
                if adapterWrites > warranted {
                    lines.append("n\(node + 1) \(key): \(adapterWrites) writes by the adapter, \(history.count) edits anywhere and \(restarts[node]) restarts warrant at most \(warranted)")
                }
            }
        }
        return lines
    }
}
