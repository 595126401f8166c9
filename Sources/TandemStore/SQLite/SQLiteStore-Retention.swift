// SQLiteStore: pruning the audit log by age (one DELETE over the audit_by_time index).
import GRDB

extension SQLiteStore: AuditRetention {
    public func pruneAudit(before: UInt64) throws(StoreError) -> Int {
        try write { rows in
            try rows.run {
                try rows.db.execute(
                    sql: "DELETE FROM audit WHERE at < ? AND kind <> ?",
                    arguments: [Int64(bitPattern: min(before, UInt64(Int64.max))), AuditEvent.Kind.conflict.rawValue])
                return rows.db.changesCount
            }
        }
    }
}
