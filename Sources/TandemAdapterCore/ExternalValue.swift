/// A column value as an external system holds it: what a capture trigger
/// records (as JSON) and what a driver binds when it writes.
///
/// Drivers map their own types onto these six: SQLite's storage classes
/// (a boolean is an integer there), PostgreSQL's `to_jsonb` output (dates and
/// timestamps arrive as text, arrays as `array`), a REST API's JSON. The
/// adapter core converts between these and the CRDT's `Value` by the
/// column's `ColumnType`, so the same canonical value reaches every system.
public enum ExternalValue: Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case text(String)
    case array([ExternalValue])

    public var description: String {
        switch self {
        case .null: "NULL"
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .text(let text): "'\(text)'"
        case .array(let elements): "[" + elements.map(\.description).joined(separator: ", ") + "]"
        }
    }
}

extension ExternalValue: Decodable {
    /// Decodes a JSON value: null, a boolean, an integer (if it fits
    /// `Int64` exactly), another number, a string or an array of these.
    /// Objects are refused.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Int64.self) {
            self = .int(number)
        } else if let number = try? container.decode(Double.self) {
            self = .double(number)
        } else if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            self = .array(try container.decode([ExternalValue].self))
        }
    }
}

/// One row of an external table as the adapter sees it: its primary key (as
/// text) and the mapped columns it read.
public struct ExternalRow: Hashable, Sendable {
    /// The primary key, in its text form.
    public var key: String
    /// Column name to value, for the mapped columns.
    public var columns: [String: ExternalValue]

    public init(key: String, columns: [String: ExternalValue]) {
        self.key = key
        self.columns = columns
    }
}
