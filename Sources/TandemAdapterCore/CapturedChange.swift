/// One row change an external system made, as its capture trigger recorded
/// it in the adapter's outbox: which row, what it held before and after
/// (mapped columns), and when it was made.
public struct CapturedChange: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case insert, update, delete
    }

    /// Position in the outbox; changes are handled in this order.
    public var sequence: Int64
    public var kind: Kind
    /// The row's primary key, as text.
    public var key: String
    /// The row before the change (updates and deletes).
    public var old: [String: ExternalValue]?
    /// The row after the change (inserts and updates).
    public var new: [String: ExternalValue]?
    /// When the change was made, in milliseconds since the Unix epoch, by
    /// the external system's clock (the trigger records it): the edit time
    /// that orders it against edits made elsewhere.
    public var editedAtMillis: Int64

    public init(
        sequence: Int64, kind: Kind, key: String, old: [String: ExternalValue]?, new: [String: ExternalValue]?,
        editedAtMillis: Int64
    ) {
        self.sequence = sequence
        self.kind = kind
        self.key = key
        self.old = old
        self.new = new
        self.editedAtMillis = editedAtMillis
    }
}

/// A batch of captured changes read from an outbox, with what the mass
/// delete check needs.
public struct CaptureRead: Sendable {
    /// The changes after the cursor, in outbox order.
    public var changes: [CapturedChange]
    /// Delete changes pending in the whole outbox after the cursor (not only
    /// in `changes`): a mass delete is judged as a whole.
    public var pendingDeletes: Int
    /// Rows the table holds now.
    public var tableRows: Int

    public init(changes: [CapturedChange], pendingDeletes: Int, tableRows: Int) {
        self.changes = changes
        self.pendingDeletes = pendingDeletes
        self.tableRows = tableRows
    }
}
