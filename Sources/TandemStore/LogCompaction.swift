import TandemCore

/// When batches may leave the delta log: once every known peer has
/// acknowledged them, and then only after a retention period.
///
/// Keeping acknowledged batches for a while lets a peer that restores an old
/// backup, or a new peer added shortly after, still catch up from the log
/// rather than by reconciliation.
public struct LogCompaction: Hashable, Sendable {
    /// How long an acknowledged batch stays in the log, in milliseconds.
    public var retentionMillis: UInt64

    /// The default retention: 7 days.
    public static let defaultRetentionMillis: UInt64 = 7 * 24 * 3_600 * 1_000

    public init(retentionMillis: UInt64 = LogCompaction.defaultRetentionMillis) {
        self.retentionMillis = retentionMillis
    }

    /// Compacts `store`'s log for the known `peers` at wall time `now`;
    /// returns how many batches were removed.
    @discardableResult
    public func run(on store: any ReplicaStore, peers: [NodeID], now: UInt64) throws(StoreError) -> Int {
        let cutoff = now >= retentionMillis ? now - retentionMillis : 0
        return try store.compactLog(acknowledgedBy: peers, committedBefore: cutoff, now: now)
    }
}
