/// Which record each captured change belongs to (pure): known rows keep
/// their record; new rows get the id their match key derives, unless another
/// row of the table already holds it.
public struct KeyResolution: Hashable, Sendable {
    /// Record id by outbox sequence, for the changes that have one.
    public var records: [Int64: String]
    /// Rows seen for the first time: primary key to record id, to be saved
    /// before the change commits.
    public var newMappings: [String: String]
    public var issues: [CaptureIssue]

    public init(records: [Int64: String] = [:], newMappings: [String: String] = [:], issues: [CaptureIssue] = []) {
        self.records = records
        self.newMappings = newMappings
        self.issues = issues
    }

    /// The record ids new rows would derive (for looking up which row
    /// already holds each).
    public static func derivedIDs(
        _ changes: [CapturedChange], known: [String: String], identity: RecordIdentity
    ) -> Set<String> {
        var ids: Set<String> = []
        for change in changes where known[change.key] == nil && change.kind != .delete {
            if case .record(let id) = identity.recordID(key: change.key, row: change.new ?? [:]) { ids.insert(id) }
        }
        return ids
    }

    /// Resolves `changes` given the rows already mapped (`known`: primary key
    /// to record) and the rows holding derived ids (`claimed`: record to
    /// primary key).
    public static func resolve(
        _ changes: [CapturedChange], known: [String: String], claimed: [String: String], identity: RecordIdentity
    ) -> KeyResolution {
        var resolution = KeyResolution()
        var known = known
        var claimed = claimed
        for change in changes {
            if let record = known[change.key] {
                resolution.records[change.sequence] = record
                // A deleted row no longer claims its record: a later row
                // with the same match key takes it.
                if change.kind == .delete, claimed[record] == change.key { claimed[record] = nil }
                continue
            }
            // A row deleted before it was ever synced has nothing to delete.
            guard change.kind != .delete else { continue }
            switch identity.recordID(key: change.key, row: change.new ?? [:]) {
            case .record(let record):
                if let other = claimed[record], other != change.key {
                    resolution.issues.append(CaptureIssue(
                        sequence: change.sequence, key: change.key, kind: .duplicateKey(record: record, otherRow: other)))
                    continue
                }
                known[change.key] = record
                claimed[record] = change.key
                resolution.newMappings[change.key] = record
                resolution.records[change.sequence] = record
            case .emptyKey:
                resolution.issues.append(CaptureIssue(sequence: change.sequence, key: change.key, kind: .emptyKey))
            case .invalidKey(let reason):
                resolution.issues.append(CaptureIssue(sequence: change.sequence, key: change.key, kind: .invalidKey(reason)))
            }
        }
        return resolution
    }
}
