public import TandemCore

/// When batches may leave the delta log: once every known peer has
/// acknowledged them, and then only after a retention period.
///
/// Keeping acknowledged batches for a while lets a peer that restores an old
/// backup, or a new peer added shortly after, still catch up from the log
/// rather than by reconciliation.
///
/// A node runs it every `intervalMillis` for its direct peers (those it
/// dials and those that connected to it): each of them, in turn, keeps a
/// batch until its own direct peers acknowledged it, so a batch leaves the
/// last log only once every node holds it.
public struct LogCompaction: Hashable, Sendable {
    /// How long an acknowledged batch stays in the log, in milliseconds.
    public var retentionMillis: UInt64
    /// How often the node compacts, in milliseconds.
    public var intervalMillis: UInt64

    /// The default retention: 7 days.
    public static let defaultRetentionMillis: UInt64 = 7 * 24 * 3_600 * 1_000

    /// Compaction after `retentionMillis` (7 days by default), checked every
    /// `intervalMillis` (a minute by default).
    public init(retentionMillis: UInt64 = LogCompaction.defaultRetentionMillis, intervalMillis: UInt64 = 60_000) {
        self.retentionMillis = retentionMillis
        self.intervalMillis = intervalMillis
    }

    /// Whether a compaction is due at `now`, the last one having run at
    /// `lastRun` (or the node having started then).
    public func isDue(lastRun: UInt64, now: UInt64) -> Bool {
        now >= lastRun && now - lastRun >= intervalMillis
    }

    /// Compacts `store`'s log for the known `peers` at wall time `now`;
    /// returns how many batches were removed.
    @discardableResult
    public func run(on store: any ReplicaStore, peers: [NodeID], now: UInt64) throws(StoreError) -> Int {
        let cutoff = now >= retentionMillis ? now - retentionMillis : 0
        return try store.compactLog(acknowledgedBy: peers, committedBefore: cutoff, now: now)
    }
}
