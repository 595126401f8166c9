import Foundation
import TandemStore

/// Every edit made is present or was superseded, by the audit log's word:
/// for each field edit whose value the converged state does not hold, one
/// of these must be true, or the edit was lost silently:
/// - a later edit replaced it having seen it: the row that edit changed
///   showed this value before it (`AppliedEdit.before`), so the capture
///   knew what it overwrote (no conflict, nothing to audit);
/// - some node's audit log (`tandem audit --json`) has a `conflict` event
///   for the record and field naming this value as the loser and, as the
///   winner, the value of an edit of that field not surely older than it
///   (a later or concurrent edit): a peer's concurrent write that lost
///   (`… won over …`), or a captured edit that lost to, or was replaced
///   without being seen by, another (`… lost to …`);
/// - a delete of the record not surely older than it may have removed it.
/// Weak writes (`ReferenceModel`: possibly taken as no change) are left out.
public enum AuditCheck {
    /// One `conflict` event: the record, and the detail without its
    /// restore suffix.
    public struct Conflict: Sendable, Hashable {
        public var record: String
        public var detail: String

        public init(record: String, detail: String) {
            self.record = record
            self.detail = RestorableValue.split(detail).text
        }

        /// The loser and winner parts of the detail, for `field` (nil: the
        /// event is about another field or not in a known form). A peer's
        /// conflict reads `field F: WINNER (stamp) won over LOSERS`; a
        /// captured edit's `NAME: field F: LOSER … lost to WINNER …`.
        func sides(field: String) -> (loser: Substring, winner: Substring)? {
            let opening = "field \(field): "
            guard let start = detail.range(of: opening) else { return nil }
            let rest = detail[start.upperBound...]
            if let won = rest.range(of: " won over ") { return (rest[won.upperBound...], rest[..<won.lowerBound]) }
            if let lost = rest.range(of: " lost to ") { return (rest[..<lost.lowerBound], rest[lost.upperBound...]) }
            return nil
        }
    }

    /// Reads the conflict events of the `contacts` collection from
    /// `tandem audit --json` output.
    public static func conflicts(auditJSON: String) throws -> [Conflict] {
        guard let array = try JSONSerialization.jsonObject(with: Data(auditJSON.utf8)) as? [[String: Any]] else {
            throw HarnessError("tandem audit --json printed no JSON array")
        }
        return array.compactMap { event in
            guard event["kind"] as? String == "conflict", event["collection"] as? String == "contacts",
                  let record = event["record"] as? String, let detail = event["detail"] as? String else { return nil }
            return Conflict(record: record, detail: detail)
        }
    }

    /// `final` is the converged state (every node's is the same by then);
    /// `conflicts` every node's conflict events.
    public static func findings(final: NodeState, edits: [AppliedEdit], conflicts: [Conflict]) -> [String] {
        var lines: [String] = []
        let byRecord = Dictionary(grouping: conflicts, by: { TableRow.key(recordID: $0.record) ?? $0.record })
        for (key, history) in Dictionary(grouping: edits, by: \.key).sorted(by: { $0.key < $1.key }) {
            let record = final.records[key]
            let deletes = history.filter(\.deleted)
            let events = byRecord[key] ?? []
            for edit in history {
                for field in NodeSchema.registerFields {
                    guard let value = edit.written[field] ?? nil, !ReferenceModel.isWeak(edit, field: field, history: history) else { continue }
                    guard let record else {
                        if deletes.isEmpty { lines.append("\(key): gone with no delete, and \(describe(edit)) wrote \(field)") }
                        continue
                    }
                    if record.fields[field]?.value == value { continue }
                    if deletes.contains(where: { !ReferenceModel.surelyLater(edit, than: $0) }) { continue }
                    let writes = history.filter { $0.written.keys.contains(field) }
                    if writes.contains(where: { $0 != edit && ($0.before[field] ?? nil) == value }) { continue }
                    let quoted = "\"\(value)\""
                    let winners = writes.filter { $0 != edit && !ReferenceModel.surelyLater(edit, than: $0) }
                        .map { write in (write.written[field] ?? nil).map { "\"\($0)\"" } ?? "null" }
                    let named = events.contains { event in
                        guard let sides = event.sides(field: field), sides.loser.contains(quoted) else { return false }
                        return winners.contains { sides.winner.contains($0) }
                    }
                    if !named {
                        lines.append("\(key).\(field): \(describe(edit)) wrote \(ModelCheck.describe(value)), the state holds \(ModelCheck.describe(record.fields[field]?.value)); no edit replaced it having seen it, no delete may have removed it, and no audit log names it the loser to a later or concurrent edit (\(events.count) conflict events for the record)")
                    }
                }
            }
        }
        return lines
    }

    static func describe(_ edit: AppliedEdit) -> String { ModelCheck.describe(edit) }
}
