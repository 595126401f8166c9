import TandemAdapterCore

/// What an adapter is doing and has done: shown by `tandem status`, exported
/// as metrics, and waited on by tests.
public struct AdapterStatus: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        case starting
        /// Importing the table's existing rows (first attach).
        case backfilling
        case running
        /// Stopped syncing until the problem is fixed (schema drift); changes
        /// keep accumulating in the CRDT and in the outbox.
        case paused(String)
        case stopped
    }

    public var state: State = .starting
    /// Row changes captured and committed to the CRDT.
    public var captured: Int = 0
    /// Captured changes that changed nothing (echoes, equal values).
    public var unchanged: Int = 0
    /// Writes made to the external table.
    public var written: Int = 0
    /// Captured edits that lost to later edits (kept in the audit log).
    public var lostEdits: Int = 0
    /// Rows not synced, by reason (`CaptureIssue.label`).
    public var issues: [String: Int] = [:]
    /// Records whose external write fails, waiting to be retried.
    public var retrying: Int = 0
    /// Deletes held for approval.
    public var heldDeletes: Int = 0
    /// Rows imported by the backfill so far.
    public var backfilledRows: Int = 0
    /// Rows the table held when the backfill started.
    public var backfillTotal: Int?
    /// Rows imported per second since the backfill started.
    public var backfillRowsPerSecond: Double?
    /// Seconds the backfill should still take at that rate.
    public var backfillSecondsLeft: Double?
    /// Errors of the driver (connection, schema), counted.
    public var errors: Int = 0
    public var lastError: String?
    /// The outbox position handled so far.
    public var capturedThrough: Int64 = 0
    /// Whether nothing is waiting: no captured change, no record to write,
    /// no sweep under way (retries may still wait).
    public var idle: Bool = false
    /// Completed parity sweeps, and rows they found different and repaired.
    public var paritySweeps: Int = 0
    public var parityRepairs: Int = 0
    /// Records compared so far by the sweep under way (nil: none runs).
    public var sweptRecords: Int?

    public init() {}
}
