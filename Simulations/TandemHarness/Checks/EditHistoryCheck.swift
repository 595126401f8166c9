/// Every edit made is in the converged table or was superseded: checks the
/// final rows against the edits the harness made, with their time windows.
///
/// For a record never deleted, each field must hold the value of one of
/// its latest edits (an edit no other edit of that field surely followed:
/// edits whose windows overlap are concurrent, and either may win). For a
/// record with a delete in its history (a delete removes only what its
/// node had seen, so an older value may survive it), each field must hold
/// a value some edit wrote, or be NULL. A record absent everywhere must
/// have been deleted. A set element must have been added by some edit.
/// No value may come from nowhere.
public enum EditHistoryCheck {
    public static func findings(final rows: [TableRow], edits: [AppliedEdit]) -> [String] {
        let byKey = Dictionary(grouping: edits, by: \.key)
        let finalByKey = Dictionary(rows.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var lines: [String] = []
        for key in Set(byKey.keys).union(finalByKey.keys).sorted() {
            let history = byKey[key] ?? []
            let deleted = history.contains(where: \.deleted)
            guard let row = finalByKey[key] else {
                if !deleted { lines.append("\(key): absent everywhere, but never deleted (\(history.count) edits)") }
                continue
            }
            for field in NodeSchema.registerFields {
                let writers = history.filter { $0.written.keys.contains(field) }
                let final = row.fields[field]
                if writers.isEmpty {
                    if final != nil { lines.append("\(key).\(field) = \(row.describe(field)), but no edit wrote it") }
                    continue
                }
                let allowed: [AppliedEdit]
                if deleted {
                    allowed = writers
                    if final == nil { continue }
                } else {
                    allowed = writers.filter { edit in !writers.contains { edit.isBefore($0) } }
                }
                if !allowed.contains(where: { ($0.written[field] ?? nil) == final }) {
                    let expected = allowed.map { "n\($0.node + 1) step #\($0.step) \(TableRow(fields: $0.written.compactMapValues { $0 }, tags: []).describe(field))" }
                    lines.append("\(key).\(field) = \(row.describe(field)); expected \(deleted ? "one of the values written" : "the latest edit"): \(expected.joined(separator: " or "))")
                }
            }
            let added = Set(history.flatMap(\.tagsAdded))
            for tag in row.tags where !added.contains(tag) {
                lines.append("\(key).tags holds \(tag), which no edit added")
            }
        }
        return lines
    }
}
