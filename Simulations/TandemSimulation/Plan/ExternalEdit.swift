public import TandemAdapterCore

/// One edit another program makes to a node's external table (the adapter
/// edge of the workload). Values are keyed by canonical field name; the
/// simulator writes them to the node's own columns. Rows are picked when
/// the edit happens (`pick` modulo the rows there are, in key order), so a
/// shrunk plan still edits rows that exist.
public enum ExternalEdit: Hashable, Sendable, CustomStringConvertible {
    /// Inserts a row (`email` spelled with any case and spaces: rows of
    /// different tables with the same match key meet in one record). Where
    /// the table already has a row for that match key, the edit updates it.
    case insert(fields: [String: ExternalValue])
    /// Updates fields of an existing row.
    case update(pick: Int, fields: [String: ExternalValue])
    /// Deletes an existing row.
    case delete(pick: Int)

    public var description: String {
        switch self {
        case .insert(let fields): "insert {\(Self.describe(fields))}"
        case .update(let pick, let fields): "update row #\(pick) {\(Self.describe(fields))}"
        case .delete(let pick): "delete row #\(pick)"
        }
    }

    static func describe(_ fields: [String: ExternalValue]) -> String {
        fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}
