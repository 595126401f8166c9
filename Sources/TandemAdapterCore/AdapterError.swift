/// What stops an adapter, with where: the table and column of a schema
/// problem, the database of a connection failure.
public enum AdapterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A mapped column is missing or of a type it cannot carry. The adapter
    /// pauses (changes keep accumulating in the CRDT) until it is fixed.
    case schemaDrift(table: String, column: String, problem: String)
    /// The table has no primary key, or not the configured one.
    case badKey(table: String, problem: String)
    /// The committed cursor cannot be read.
    case badCursor(String)
    /// The external system could not be reached or refused the driver.
    case unavailable(database: String, reason: String)
    /// What the driver installed in the external system to capture
    /// changes (outbox, key map) is gone: dropped by hand, or lost with
    /// the server's last committed transactions in a crash. The runner
    /// attaches again, which reinstalls it.
    case captureMissing(table: String, problem: String)
    /// A driver operation failed.
    case driver(String)

    public var description: String {
        switch self {
        case .schemaDrift(let table, let column, let problem): "table \(table), column \(column): \(problem)"
        case .badKey(let table, let problem): "table \(table): \(problem)"
        case .badCursor(let reason): "adapter cursor unreadable: \(reason)"
        case .unavailable(let database, let reason): "\(database): \(reason)"
        case .captureMissing(let table, let problem): "table \(table): capture is missing (\(problem)); attaching again"
        case .driver(let reason): reason
        }
    }
}

/// Checks a mapping against the table the driver found (pure).
public enum SchemaCheck {
    /// The first problem of `mapping` against `schema`, or nil.
    public static func problem(_ mapping: AdapterMapping, _ schema: TableSchema) -> AdapterError? {
        if schema.keyColumn != mapping.keyColumn {
            return .badKey(table: schema.table, problem: "primary key is \(schema.keyColumn), configured \(mapping.keyColumn)")
        }
        for binding in mapping.fields {
            guard let type = schema.columns[binding.column] else {
                return .schemaDrift(table: schema.table, column: binding.column, problem: "column is missing")
            }
            if case .unsupported(let name) = type {
                return .schemaDrift(table: schema.table, column: binding.column, problem: "type \(name) cannot be synced")
            }
            if binding.isSet, type != .array, type != .text {
                return .schemaDrift(
                    table: schema.table, column: binding.column,
                    problem: "set field \(binding.field) needs an array or text column, found \(type)")
            }
        }
        return nil
    }
}
