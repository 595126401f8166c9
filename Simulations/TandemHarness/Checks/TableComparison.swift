/// Compares the nodes' tables through the mapping: the same match keys,
/// and for each the same values; and finds duplicate rows of one key.
public enum TableComparison {
    /// One line per record that differs between the tables (empty: all
    /// equal), naming where each differs.
    public static func differences(_ tables: [[TableRow]]) -> [String] {
        let byKey = tables.map { rows in Dictionary(rows.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first }) }
        let keys = Set(byKey.flatMap(\.keys)).sorted()
        var lines: [String] = []
        for key in keys {
            let rows = byKey.map { $0[key] }
            let holders = rows.indices.filter { rows[$0] != nil }
            if holders.count != rows.count {
                lines.append("\(key): present on \(names(holders)), absent on \(names(rows.indices.filter { rows[$0] == nil }))")
                continue
            }
            var fieldLines: [String] = []
            for field in NodeSchema.fields {
                let values = rows.compactMap { $0?.describe(field) }
                if Set(values).count > 1 {
                    fieldLines.append("\(field): " + values.enumerated().map { "n\($0.offset + 1) \($0.element)" }.joined(separator: ", "))
                }
            }
            if !fieldLines.isEmpty { lines.append("\(key): " + fieldLines.joined(separator: "; ")) }
        }
        return lines
    }

    /// Rows sharing a match key within one table.
    public static func duplicates(_ tables: [[TableRow]]) -> [String] {
        var lines: [String] = []
        for (index, rows) in tables.enumerated() {
            var counts: [String: Int] = [:]
            for row in rows { counts[row.key, default: 0] += 1 }
            for (key, count) in counts.sorted(by: { $0.key < $1.key }) where count > 1 {
                lines.append("n\(index + 1): \(count) rows with match key \(key.isEmpty ? "(empty)" : key)")
            }
        }
        return lines
    }

    static func names(_ indices: [Int]) -> String {
        indices.map { "n\($0 + 1)" }.joined(separator: ", ")
    }
}
