import Logging
import NIOPosix
import ServiceLifecycle
import TandemStore

/// Prunes the node's audit log to `audit_retention_days`: once at start,
/// then every ``interval`` (an hour), it removes the events recorded more
/// than that many days ago, conflicts excepted (their losing values stay
/// restorable; `AuditRetention`), and logs how many went.
///
/// Guarantees: a failing prune is logged as a warning and tried again at
/// the next interval; graceful shutdown ends it between prunes.
struct AuditRetentionService: Service, CustomStringConvertible {
    let store: any AuditRetention
    let retentionDays: Int
    /// Wall milliseconds since the Unix epoch.
    let clock: @Sendable () -> UInt64
    let logger: Logger
    var interval: Duration = .seconds(3600)

    var description: String { "audit-retention" }

    /// The cut-off at `now`: events recorded before it are pruned.
    static func cutOff(now: UInt64, retentionDays: Int) -> UInt64 {
        let keep = UInt64(retentionDays) * 86_400_000
        return now > keep ? now - keep : 0
    }

    /// Prunes once, on NIO's blocking pool (a store call blocks its thread;
    /// the concurrency pool is for tasks); returns how many events went
    /// (nil on failure).
    @discardableResult
    func pruneNow() async -> Int? {
        let store = self.store
        let cutOff = Self.cutOff(now: clock(), retentionDays: retentionDays)
        do {
            let removed = try await NIOThreadPool.singleton.runIfActive { try store.pruneAudit(before: cutOff) }
            if removed > 0 {
                logger.info("audit events pruned", metadata: ["removed": "\(removed)", "retention_days": "\(retentionDays)"])
            }
            return removed
        } catch {
            logger.warning("audit pruning failed (retrying in an hour)", metadata: ["error": "\(error)"])
            return nil
        }
    }

    func run() async throws {
        let interval = self.interval
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.pruneNow()
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
            }
        }
    }
}
