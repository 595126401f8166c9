/// A store whose audit log can be pruned by age: what the daemon's audit
/// retention (`[node] audit_retention_days`) runs.
///
/// What stays: every `conflict` event, whatever its age, since it keeps a
/// losing value that `tandem restore` can still write back (no edit is lost
/// silently). Everything else recorded before the cut-off goes, including
/// `deleted-external` rows with a deleted row's last values.
///
/// Guarantees: one transaction; positions (`AuditRecord.id`) of the events
/// kept do not change, and new events never reuse a pruned position.
public protocol AuditRetention: Sendable {
    /// Removes the audit events recorded before `before` (wall milliseconds
    /// since the Unix epoch), conflicts excepted; returns how many.
    func pruneAudit(before: UInt64) throws(StoreError) -> Int
}
