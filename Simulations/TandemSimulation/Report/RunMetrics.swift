/// Counts of what happened in one run.
public struct RunMetrics: Hashable, Sendable {
    /// Messages and bytes the honest nodes sent each other (summaries and
    /// batches), whatever became of them.
    public var messages = 0
    public var bytes = 0
    /// Of which: messages carrying batches, and their bytes.
    public var batchMessages = 0
    public var batchBytes = 0
    /// Message fates.
    public var lost = 0
    public var duplicated = 0
    public var droppedWithConnection = 0
    /// Reads (`receive` calls on honest links), and those that carried
    /// several messages at once.
    public var reads = 0
    public var multiMessageReads = 0
    /// Writes.
    public var writesAcknowledged = 0
    public var writesSkippedNodeDown = 0
    public var writesFailed = 0
    public var writesWithoutChange = 0
    /// Cross-record rule firings (triggering changes evaluated to writes).
    public var ruleFirings = 0
    /// Acknowledged writes that grouped several operations in one batch,
    /// and the operations they committed.
    public var groupedWrites = 0
    public var groupedOperations = 0
    /// Faults.
    public var partitions = 0
    public var crashes = 0
    /// Commit failures armed (each waits for the next commit of its kind).
    public var commitFailuresArmed = 0
    /// Armed failures that hit a commit, by kind (the rest found none).
    public var commitFailureHits: [CommitKind: Int] = [:]
    /// Store errors the drivers reported (`SyncEvent.storeFailed`) and
    /// failed compactions; a failed local write counts in `writesFailed`.
    public var storeFailures = 0
    public var attackMessages = 0
    public var attackRefusals = 0
    /// Batches removed from delta logs by compaction.
    public var batchesCompacted = 0
    /// Record chunks joined by digest reconciliation.
    public var reconciledChunks = 0
    /// Protocol reactions.
    public var clockSkewHolds = 0
    /// Honest batches not applied yet because their context claimed writes
    /// that had not arrived (offered again by anti-entropy).
    public var causalDeferrals = 0
    public var batchesApplied = 0
    /// Batches a node received again and dropped, the protocol's doing
    /// (pushed or fetched twice), and those that were the network's
    /// duplicate of a message (faults), counted apart.
    public var redundantBatchesReceived = 0
    public var networkDuplicateBatchesReceived = 0
    /// Refusals of input from honest nodes (expected to stay 0).
    public var honestRejections = 0
    /// Field writes acknowledged, and those whose timestamp equals that of
    /// another node's write of the same field (decided by the writers' keys).
    public var fieldWrites = 0
    public var tiedFieldWrites = 0
    /// The encoded size of the converged state (node 0's collections).
    public var stateBytes = 0
    /// What sending the writer's full state to every other node after each
    /// write would have cost.
    public var fullStateBytes = 0
    /// The adapter edge: edits other programs made to the tables (and
    /// those a table's constraint refused), changes the adapters captured
    /// into commits (steps), captured edits lost to later ones, capture
    /// issues (such as duplicate keys), capture commits that failed, rows
    /// the adapters wrote (deferred, refused), pauses for schema drift,
    /// deletes held and how many were approved or rejected, adapter faults,
    /// and the adapters' own writes captured back (echoes; must stay 0).
    public var externalEdits = 0
    public var externalEditsRefused = 0
    public var adapterCaptures = 0
    public var lostEdits = 0
    public var captureIssues = 0
    public var adapterCommitsFailed = 0
    public var tableWrites = 0
    public var tableWritesDeferred = 0
    public var tableWritesRefused = 0
    public var adapterPauses = 0
    public var heldDeletes = 0
    public var approvedDeletes = 0
    public var rejectedDeletes = 0
    public var adapterFaults = 0
    public var echoesCaptured = 0
    /// Events processed and virtual time covered.
    public var events = 0
    public var virtualMillis: UInt64 = 0

    public init() {}
}
