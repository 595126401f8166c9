public import TandemCore

/// What joining one delta changed: the records touched and the concurrent
/// writes that lost (each kept, and written to the audit log).
public struct ApplyReport: Hashable, Sendable {
    /// A field that, after the join, holds writes that lost to its winner.
    public struct Conflict: Hashable, Sendable {
        public var record: String
        public var field: String
        public var winner: RegisterEntry
        public var losers: [RegisterEntry]
    }

    /// Ids of records whose state changed, sorted.
    public var changedRecords: [String]
    /// Ids of changed records that no longer exist (deleted), sorted.
    public var removedRecords: [String]
    /// Fields whose set of concurrent writes changed and has losers.
    public var conflicts: [Conflict]

    public init(changedRecords: [String] = [], removedRecords: [String] = [], conflicts: [Conflict] = []) {
        self.changedRecords = changedRecords
        self.removedRecords = removedRecords
        self.conflicts = conflicts
    }

    /// Whether a conflict lost something: a loser holds another value than
    /// the winner (the same customer imported on two systems writes equal
    /// values concurrently; nothing is lost there).
    public static func losesValue(_ conflict: Conflict) -> Bool {
        conflict.losers.contains { $0.value != conflict.winner.value }
    }

    /// Audit events for each conflict that lost a value, naming the losing
    /// writes (losers equal to the winner are left out).
    package func conflictEvents(collection: String, at now: UInt64) -> [AuditEvent] {
        conflicts.compactMap { conflict in
            guard Self.losesValue(conflict) else { return nil }
            var conflict = conflict
            conflict.losers.removeAll { $0.value == conflict.winner.value }
            let losers = conflict.losers.map { "\($0.value) written \($0.stamp) as dot \($0.dot)" }.joined(separator: "; ")
            // The latest loser is the one `tandem restore` writes back.
            let latest = conflict.losers.max { $0.stamp < $1.stamp }
            let restore = latest.map { RestorableValue(field: conflict.field, value: $0.value).suffix } ?? ""
            return AuditEvent(
                at: now, kind: .conflict, collection: collection, record: conflict.record, node: conflict.winner.dot.node,
                detail: "field \(conflict.field): \(conflict.winner.value) (\(conflict.winner.stamp)) won over \(losers)\(restore)")
        }
    }
}
