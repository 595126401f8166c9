/// The type of an external column as the adapter converts it, read from the
/// table's schema by the driver (`TableSchema`).
public enum ColumnType: Hashable, Sendable, CustomStringConvertible {
    case text
    case integer
    case real
    case boolean
    /// A calendar date; canonical form `YYYY-MM-DD`.
    case date
    /// A point in time; canonical form ISO 8601 in UTC with milliseconds,
    /// `YYYY-MM-DDTHH:MM:SS.sssZ`.
    case timestamp
    /// A set field: JSON array text (SQLite, text columns) or an array
    /// column (PostgreSQL).
    case array
    /// A column the adapter cannot convert (a blob, a geometry); mapping a
    /// field to it is a schema error.
    case unsupported(String)

    public var description: String {
        switch self {
        case .text: "text"
        case .integer: "integer"
        case .real: "real"
        case .boolean: "boolean"
        case .date: "date"
        case .timestamp: "timestamp"
        case .array: "array"
        case .unsupported(let name): "unsupported type \(name)"
        }
    }
}

/// A table's mapped columns and their types, as the driver found them.
public struct TableSchema: Hashable, Sendable {
    /// The table's name.
    public var table: String
    /// The primary key column.
    public var keyColumn: String
    /// Every column's type, by name.
    public var columns: [String: ColumnType]

    public init(table: String, keyColumn: String, columns: [String: ColumnType]) {
        self.table = table
        self.keyColumn = keyColumn
        self.columns = columns
    }
}
