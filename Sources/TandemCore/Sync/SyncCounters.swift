// SyncCounters: the sync machine's counters, for metrics.

/// What a sync machine has done, for metrics.
public struct SyncCounters: Hashable, Sendable {
    public var localBatches = 0
    public var appliedBatches = 0
    /// Batches received that were already held (redundant receptions).
    public var duplicateBatches = 0
    public var batchesSent = 0
    public var heldForClockSkew = 0
    /// Batches not applied yet because their context claims writes that
    /// had not arrived (`SyncAction.deferForCausality`).
    public var deferredBatches = 0
    public var failedCommits = 0
    public var reconciliationsStarted = 0
    public var reconciliationsCompleted = 0
    public var recordsChunksReceived = 0
    /// Broadcast tree: links pruned by this node (a pushed duplicate) and
    /// by its peers; fetches of announced batches sent and answered.
    public var prunesSent = 0
    public var prunesReceived = 0
    public var graftsSent = 0
    public var graftsReceived = 0
    /// Refusals by `SyncRejection.reason`.
    public var rejected: [String: Int] = [:]
}
