public import TandemCore

/// One line of a node's audit log: what happened, when, to what.
///
/// The store writes audit events in the same transaction as the change they
/// describe, so the log never claims a change that did not commit and never
/// misses one that did.
public struct AuditEvent: Hashable, Sendable {
    /// What happened.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// A local change was committed as a batch.
        case localCommit = "local-commit"
        /// A peer's batch was applied.
        case remoteApply = "remote-apply"
        /// A concurrent write lost; `detail` holds the losing write so it can
        /// be restored (`RestorableValue`). Concurrent writes of the winner's
        /// own value are not recorded: nothing was lost.
        case conflict
        /// Input was refused; `detail` says what and why.
        case rejected
        /// Batches were removed from the delta log.
        case compaction
        /// Records were exchanged by digest reconciliation, or a peer's
        /// batch vector was adopted after it.
        case reconciliation
        /// An adapter captured a row change from its external system.
        case captured
        /// An adapter wrote a record to its external system.
        case appliedExternal = "applied-external"
        /// An adapter deleted a row of its external system; `detail` holds
        /// the row's last values, so it can be restored.
        case deletedExternal = "deleted-external"
        /// Deletes were held for approval, or a hold was approved or rejected.
        case deletesHeld = "deletes-held"
        /// An adapter could not sync a row or a record; `detail` says why.
        case adapterError = "adapter-error"
        /// A cross-record rule wrote a record; `detail` names the rule, the
        /// source record and the change that fired it, and the fields written.
        case ruleFired = "rule-fired"
    }

    /// Wall time of the event, in milliseconds since the Unix epoch.
    public var at: UInt64
    public var kind: Kind
    /// The collection concerned, if any.
    public var collection: String?
    /// The record concerned, if any.
    public var record: String?
    /// The node whose change it was, if any.
    public var node: NodeID?
    /// Human-readable detail.
    public var detail: String

    public init(at: UInt64, kind: Kind, collection: String? = nil, record: String? = nil, node: NodeID? = nil, detail: String) {
        self.at = at
        self.kind = kind
        self.collection = collection
        self.record = record
        self.node = node
        self.detail = detail
    }
}

/// An audit event as stored, with its position in the log.
public struct AuditRecord: Hashable, Sendable {
    /// Increasing position in the log, from 1.
    public var id: Int64
    public var event: AuditEvent

    /// A stored event at its position (for the stores).
    package init(id: Int64, event: AuditEvent) {
        self.id = id
        self.event = event
    }
}
