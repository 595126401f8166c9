import GRDB
import Synchronization
public import TandemAdapterCore
import TandemCore

/// The adapter driver for a table in a SQLite database file that other
/// programs (the sqlite3 shell, an application) read and write.
///
/// Capture: triggers write each insert, update and delete of the mapped
/// columns into an outbox table in the same file, in the writer's
/// transaction, with the edit time in milliseconds (`SQLiteCaptureSQL`).
/// The driver's own writes set a control row inside their transaction, which
/// the triggers check, so they are never captured (SQLite has one writer at
/// a time, so no other program's write can see the row set). New outbox
/// rows are noticed by polling the outbox's high-water mark every 5 ms (one
/// indexed read; SQLite has no notifications across processes).
///
/// Busy databases: every statement waits up to `busyTimeoutSeconds` for
/// other writers. WAL and rollback-journal databases both work; the driver
/// does not change the journal mode.
public final class SQLiteDriver: AdapterDriver {
    public let path: String
    public let table: String
    public let keyColumn: String
    let sql: SQLiteCaptureSQL
    private let database: DatabaseQueue
    /// The columns the capture was attached with.
    private let attached = Mutex<[String]?>(nil)

    /// Opens the database at `path` (which must exist).
    ///
    /// - Throws: `AdapterError.unavailable` when it cannot be opened.
    public init(path: String, table: String, keyColumn: String, busyTimeoutSeconds: Double = 10) throws {
        self.path = path
        self.table = table
        self.keyColumn = keyColumn
        self.sql = SQLiteCaptureSQL(table: table, keyColumn: keyColumn)
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeoutSeconds)
        configuration.foreignKeysEnabled = false
        configuration.label = "tandem-adapter \(table)"
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw AdapterError.unavailable(database: path, reason: "\(error)")
        }
    }

    public func describe() async throws -> TableSchema {
        let table = self.table
        let rows = try await read { db in
            try Row.fetchAll(db, sql: "SELECT name, type, pk FROM pragma_table_info(?)", arguments: [table]).map { row in
                (name: row["name"] ?? "", declared: row["type"] ?? "", isKey: (row["pk"] as Int64? ?? 0) > 0) as (String, String, Bool)
            }
        }
        guard !rows.isEmpty else { throw AdapterError.badKey(table: table, problem: "no such table in \(path)") }
        var columns: [String: ColumnType] = [:]
        var keys: [String] = []
        for (name, declared, isKey) in rows {
            columns[name] = Self.columnType(declared: declared)
            if isKey { keys.append(name) }
        }
        guard keys.count == 1, let key = keys.first else {
            throw AdapterError.badKey(
                table: table, problem: keys.isEmpty ? "has no primary key" : "has a composite primary key (\(keys))")
        }
        return TableSchema(table: table, keyColumn: key, columns: columns)
    }

    /// The column type a declared SQLite type stands for (by SQLite's
    /// affinity rules, refined for booleans, dates and timestamps).
    static func columnType(declared: String) -> ColumnType {
        let type = declared.uppercased()
        if type.contains("BOOL") { return .boolean }
        if type.contains("TIMESTAMP") || type.contains("DATETIME") { return .timestamp }
        if type.contains("DATE") { return .date }
        if type.contains("JSON") || type.contains("ARRAY") { return .array }
        if type.contains("INT") { return .integer }
        if type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT") || type.isEmpty { return .text }
        if type.contains("REAL") || type.contains("FLOA") || type.contains("DOUB") || type.contains("NUMERIC")
            || type.contains("DECIMAL") { return .real }
        return .unsupported(declared)
    }

    public func attach(columns: [String]) async throws {
        let statements = sql.setup + sql.triggers(columns: columns)
        attached.withLock { $0 = columns }
        try await write { db in
            try db.inTransaction(.immediate) {
                for statement in statements { try db.execute(sql: statement) }
                return .commit
            }
        }
    }

    public func detach() async throws {
        let statements = sql.detach
        try await write { db in
            try db.inTransaction(.immediate) {
                for statement in statements { try db.execute(sql: statement) }
                return .commit
            }
        }
    }

    public func changes(after sequence: Int64, limit: Int) async throws -> CaptureRead {
        let sql = self.sql, table = self.table
        return try await read { db in
            // Outbox numbers only grow (AUTOINCREMENT keeps the last one
            // after its row is gone): a last number below the cursor means
            // the file went back to an older copy, whose next changes would
            // get numbers the cursor already passed and never be read.
            let last = try Int64.fetchOne(
                db, sql: "SELECT seq FROM sqlite_sequence WHERE name = ?", arguments: [sql.outboxName]) ?? 0
            if last < sequence {
                throw AdapterError.captureMissing(
                    table: table,
                    problem: "the outbox's last change is \(last), behind the adapter's cursor at \(sequence): the database went back to an older copy")
            }
            let rows = try Row.fetchAll(
                db, sql: "SELECT seq, op, pk, old, new, edited_at_ms FROM \(sql.outbox) WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [sequence, limit])
            let deletes = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM \(sql.outbox) WHERE seq > ? AND op = 'delete'", arguments: [sequence]) ?? 0
            let tableRows = deletes > 0 ? try Int.fetchOne(db, sql: "SELECT count(*) FROM \(sql.quotedTable)") ?? 0 : 0
            return CaptureRead(changes: try rows.map(Self.change), pendingDeletes: deletes, tableRows: tableRows)
        }
    }

    public func changes(in ranges: [ClosedRange<Int64>]) async throws -> [CapturedChange] {
        let sql = self.sql
        return try await read { db in
            var changes: [CapturedChange] = []
            for range in ranges {
                let rows = try Row.fetchAll(
                    db, sql: "SELECT seq, op, pk, old, new, edited_at_ms FROM \(sql.outbox) WHERE seq BETWEEN ? AND ? ORDER BY seq",
                    arguments: [range.lowerBound, range.upperBound])
                changes += try rows.map(Self.change)
            }
            return changes
        }
    }

    private static func change(_ row: Row) throws -> CapturedChange {
        let sequence: Int64 = row["seq"] ?? 0
        let op: String = row["op"] ?? ""
        guard let kind = CapturedChange.Kind(rawValue: op) else {
            throw AdapterError.driver("outbox row \(sequence): unknown operation \(op)")
        }
        func object(_ column: String) throws -> [String: ExternalValue]? {
            guard let text: String = row[column] else { return nil }
            guard let object = JSONArrayText.object(text) else {
                throw AdapterError.driver("outbox row \(sequence): \(column) is not a JSON object")
            }
            return object
        }
        return CapturedChange(
            sequence: sequence, kind: kind, key: row["pk"] ?? "", old: try object("old"), new: try object("new"),
            editedAtMillis: row["edited_at_ms"] ?? 0)
    }

    public func acknowledge(through sequence: Int64, keeping: [ClosedRange<Int64>]) async throws {
        let sql = self.sql
        try await write { db in
            var statement = "DELETE FROM \(sql.outbox) WHERE seq <= ?"
            var arguments: [any DatabaseValueConvertible] = [sequence]
            for range in keeping {
                statement += " AND seq NOT BETWEEN ? AND ?"
                arguments += [range.lowerBound, range.upperBound]
            }
            try db.execute(sql: statement, arguments: StatementArguments(arguments))
        }
    }

    public func waitForChanges(timeoutMillis: Int) async {
        let sql = self.sql
        let start = ContinuousClock.now
        let deadline = start + .milliseconds(timeoutMillis)
        let mark = try? await read { db in try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM \(sql.outbox)") }
        while ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(5))
            let now = try? await read { db in try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM \(sql.outbox)") }
            if now != mark { return }
        }
    }

    public func records(forKeys keys: [String]) async throws -> [String: String] {
        try await lookup(keys, column: "pk", value: "record")
    }

    public func keys(forRecords records: [String]) async throws -> [String: String] {
        let sql = self.sql
        return try await lookup(
            records, column: "record", value: "pk",
            condition: "AND EXISTS (SELECT 1 FROM \(sql.quotedTable) AS t WHERE t.\(sql.quotedKey) = k.pk)")
    }

    private func lookup(_ items: [String], column: String, value: String, condition: String = "") async throws -> [String: String] {
        guard !items.isEmpty else { return [:] }
        let sql = self.sql
        return try await read { db in
            var result: [String: String] = [:]
            for chunk in items.chunked(400) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchAll(
                    db, sql: "SELECT k.\(column), k.\(value) FROM \(sql.keys) AS k WHERE k.\(column) IN (\(marks)) \(condition)",
                    arguments: StatementArguments(chunk))
                for row in rows {
                    if let from: String = row[0], let to: String = row[1] { result[from] = to }
                }
            }
            return result
        }
    }

    public func map(_ mappings: [String: String]) async throws {
        guard !mappings.isEmpty else { return }
        let sql = self.sql
        try await write { db in
            try db.inTransaction(.immediate) {
                let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO \(sql.keys) (pk, record) VALUES (?, ?)")
                for (key, record) in mappings.sorted(by: { $0.key < $1.key }) {
                    try statement.execute(arguments: [key, record])
                }
                return .commit
            }
        }
    }

    public func rows(keys: [String]) async throws -> [String: ExternalRow] {
        guard !keys.isEmpty else { return [:] }
        let sql = self.sql
        let columns = try await mappedColumns()
        return try await read { db in
            var result: [String: ExternalRow] = [:]
            for chunk in keys.chunked(400) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchAll(
                    db, sql: """
                        SELECT CAST(t.\(sql.quotedKey) AS TEXT), \(Self.select("t", columns))
                        FROM \(sql.quotedTable) AS t WHERE t.\(sql.quotedKey) IN (\(marks))
                        """,
                    arguments: StatementArguments(chunk))
                for row in rows {
                    let external = Self.externalRow(row, columns: columns)
                    result[external.key] = external
                }
            }
            return result
        }
    }

    public func snapshot(after key: String?, limit: Int) async throws -> [ExternalRow] {
        let sql = self.sql
        let columns = try await mappedColumns()
        return try await read { db in
            let rows = try Row.fetchAll(
                db, sql: """
                    SELECT CAST(t.\(sql.quotedKey) AS TEXT), \(Self.select("t", columns))
                    FROM \(sql.quotedTable) AS t \(key == nil ? "" : "WHERE t.\(sql.quotedKey) > ?")
                    ORDER BY t.\(sql.quotedKey) LIMIT ?
                    """,
                arguments: StatementArguments(key.map { [$0, limit] as [any DatabaseValueConvertible] } ?? [limit]))
            return rows.map { Self.externalRow($0, columns: columns) }
        }
    }

    /// The mapped columns of alias `table`, in order (NULL when there are none).
    private static func select(_ table: String, _ columns: [String]) -> String {
        columns.isEmpty ? "NULL" : columns.map { "\(table).\(quoted($0))" }.joined(separator: ", ")
    }

    /// A row read as key, then `columns` in order: each value as its storage
    /// class says (what the capture triggers' JSON holds for it; a blob as
    /// hex text, as they write it).
    private static func externalRow(_ row: Row, columns: [String]) -> ExternalRow {
        let key: String = row[0] ?? ""
        var values: [String: ExternalValue] = [:]
        for (index, column) in columns.enumerated() {
            switch row[index + 1] as DatabaseValue {
            case let value where value.isNull: values[column] = .null
            case let value:
                switch value.storage {
                case .int64(let number): values[column] = .int(number)
                case .double(let number): values[column] = .double(number)
                case .string(let text): values[column] = .text(text)
                case .blob(let data): values[column] = .text(Hex.encode(Array(data)).uppercased())
                case .null: values[column] = .null
                }
            }
        }
        return ExternalRow(key: key, columns: values)
    }

    /// The columns capture records: those of `attach`, else every column
    /// the driver can read.
    func mappedColumns() async throws -> [String] {
        if let columns = attached.withLock({ $0 }) { return columns }
        let schema = try await describe()
        return schema.columns.keys.filter { schema.columns[$0].map { if case .unsupported = $0 { false } else { true } } ?? false }
            .sorted()
    }

    public func rowCount() async throws -> Int {
        let sql = self.sql
        return try await read { try Int.fetchOne($0, sql: "SELECT count(*) FROM \(sql.quotedTable)") ?? 0 }
    }

    public func close() async { try? database.close() }

    // MARK: Access

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await database.read(body) } catch let error as DatabaseError { throw adapterError(error) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await database.writeWithoutTransaction(body) } catch let error as DatabaseError {
            throw adapterError(error)
        }
    }

    /// `captureMissing` when a table the driver created (`_tandem_…`) is
    /// gone, else `unavailable` with SQLite's message.
    private func adapterError(_ error: DatabaseError) -> AdapterError {
        let message = error.message ?? "\(error)"
        if message.hasPrefix("no such table"), message.contains("_tandem_") {
            return .captureMissing(table: table, problem: message)
        }
        return .unavailable(database: path, reason: message)
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
