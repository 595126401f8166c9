public import TandemCore

/// A captured row change the adapter did not sync, and why. Reported in the
/// audit log and the adapter's status; the row itself is left as it is.
public struct CaptureIssue: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// Both match keys are empty: the row cannot be matched safely.
        case emptyKey
        /// Another row of the same table already has this match key.
        case duplicateKey(record: String, otherRow: String)
        /// The key cannot be a record id.
        case invalidKey(String)
        /// A column's value does not convert to its field.
        case invalidValue(ConversionError)
        /// The field is owned by another node; the edit is not applied and
        /// the column is set back to the CRDT's value.
        case notOwner(field: String, owner: NodeID)
    }

    public var sequence: Int64
    /// The row's primary key.
    public var key: String
    public var kind: Kind

    public init(sequence: Int64, key: String, kind: Kind) {
        self.sequence = sequence
        self.key = key
        self.kind = kind
    }

    /// A short machine-readable name of the kind (metrics label).
    public var label: String {
        switch kind {
        case .emptyKey: "empty_key"
        case .duplicateKey: "duplicate_key"
        case .invalidKey: "invalid_key"
        case .invalidValue: "invalid_value"
        case .notOwner: "not_owner"
        }
    }

    public var description: String {
        switch kind {
        case .emptyKey: "row \(key): match key and fallback key are empty; not synced"
        case .duplicateKey(let record, let other):
            "row \(key): match key \(record) already belongs to row \(other); not merged"
        case .invalidKey(let reason): "row \(key): unusable match key (\(reason)); not synced"
        case .invalidValue(let error): "row \(key): \(error); column not synced"
        case .notOwner(let field, let owner): "row \(key): field \(field) is owned by node \(owner); edit refused"
        }
    }
}
