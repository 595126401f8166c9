public import Logging
import PostgresNIO
import Synchronization
public import TandemAdapterCore

/// The PostgreSQL driver: an `AdapterDriver` for one table of a PostgreSQL
/// (15 or later) database, over postgres-nio.
///
/// What it installs (`attach`), in the table's schema: an outbox
/// `_tandem_outbox_<table>`, a key map `_tandem_keys_<table>`, a trigger
/// function `_tandem_capture_<table>()` and a row trigger `_tandem_capture`
/// on the table that records every insert, update and delete of a mapped
/// column with its `clock_timestamp()` and sends `NOTIFY tandem_<table>`
/// (docs/adapters.md, "PostgreSQL driver"). The driver's own writes run in
/// transactions that set `tandem.applying` to `on`, which the trigger skips.
///
/// Connections: one for queries and writes, one that LISTENs. Both are
/// re-established with backoff after the server restarts; meanwhile every
/// operation throws `AdapterError.unavailable` and the runner retries. The
/// outbox is durable, so nothing captured is lost across a restart.
///
/// Names: `table` is `name` or `schema.name` (a part may be double-quoted),
/// taken exactly as written (case-sensitive); every identifier is quoted in
/// SQL, and every value is bound, never put into SQL text.
public final class PostgresDriver: AdapterDriver {
    /// The database the driver connects to (without the password).
    public let url: PostgresURL
    /// The table as configured.
    public let table: String
    /// The configured primary key column.
    public let keyColumn: String

    let name: TableName
    let logger: Logger
    let keeper: ConnectionKeeper
    let listener: ChangeListener
    let state = Mutex(State())

    /// Outbox rows given positions per `changes` call at most.
    static let publishBatch: Int64 = 10_000

    /// A column as the database declares it.
    struct Column: Sendable {
        /// `format_type` without the type modifier: what values are cast to
        /// (the column's own length or precision check still applies on
        /// assignment, so a too-long value fails instead of being cut).
        var sqlType: String
        /// The base type's name (a domain's underlying type).
        var baseType: String
        var type: ColumnType
        var isArray: Bool
    }

    /// The table as found in the database.
    struct TableInfo: Sendable {
        var schema: String
        var name: String
        var columns: [String: Column]
        var primaryKey: [String]
    }

    struct State: Sendable {
        var info: TableInfo?
        /// The mapped columns of the last `attach` (nil: every column of a
        /// supported type is read).
        var mapped: [String]?
    }

    /// A driver for `table` (`name` or `schema.name`) with primary key
    /// `keyColumn` in the database at `url`
    /// (`postgres://user[:password]@host[:port]/database`). Nothing is
    /// connected until the first operation.
    ///
    /// - Throws: `AdapterError.driver` for a bad URL or table name.
    public init(url: String, table: String, keyColumn: String, logger: Logger = Logger(label: "tandem.adapter.postgres"))
        throws(AdapterError)
    {
        self.url = try PostgresURL(url)
        self.table = table
        self.keyColumn = keyColumn
        self.name = try TableName(parsing: table)
        self.logger = logger
        guard name.name.utf8.count <= 44 else {
            throw AdapterError.driver(
                "table \(table): name longer than 44 bytes; the adapter's objects (_tandem_outbox_<table>_pos) would pass PostgreSQL's 63-byte limit")
        }
        guard !name.name.contains("\""), !name.name.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw AdapterError.driver("table \(table): a name with a double quote cannot be a NOTIFY channel")
        }
        guard !keyColumn.isEmpty else { throw AdapterError.badKey(table: table, problem: "no key column configured") }
        var configuration = PostgresConnection.Configuration(
            host: self.url.host, port: self.url.port, username: self.url.user, password: self.url.password,
            database: self.url.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [
            ("application_name", "tandem-adapter"),
            ("TimeZone", "UTC"),
            ("standard_conforming_strings", "on"),
        ]
        keeper = ConnectionKeeper(configuration: configuration, database: self.url.database, logger: logger)
        listener = ChangeListener(configuration: configuration, channel: "tandem_" + name.name, logger: logger)
    }

    // MARK: Schema

    public func describe() async throws -> TableSchema {
        let info = try await loadInfo()
        guard !info.primaryKey.isEmpty else {
            throw AdapterError.badKey(table: table, problem: "has no primary key (database \(url.database))")
        }
        guard info.primaryKey.count == 1, let key = info.primaryKey.first else {
            throw AdapterError.badKey(
                table: table, problem: "primary key has \(info.primaryKey.count) columns (\(info.primaryKey.joined(separator: ", "))); one is needed")
        }
        return TableSchema(table: table, keyColumn: key, columns: info.columns.mapValues(\.type))
    }

    /// Reads the table's columns, types and primary key (and caches them).
    @discardableResult
    func loadInfo() async throws -> TableInfo {
        let regclass = name.regclassText
        let rows = try await perform("read the columns") { connection in
            try await self.collect(connection, """
                SELECT n.nspname::text, c.relname::text, a.attname::text, format_type(a.atttypid, NULL),
                       b.typname::text, b.typcategory::text,
                       EXISTS (SELECT 1 FROM pg_index i
                               WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY (i.indkey))
                FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                JOIN pg_type t ON t.oid = a.atttypid
                JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
                WHERE c.oid = to_regclass($1)
                ORDER BY a.attnum
                """, [regclass])
        }
        var info: TableInfo?
        for row in rows {
            let (schema, relation, column, sqlType, baseType, category, isKey) = try decode(
                row, as: (String, String, String, String, String, String, Bool).self, "the columns")
            if info == nil { info = TableInfo(schema: schema, name: relation, columns: [:], primaryKey: []) }
            info?.columns[column] = Column(
                sqlType: sqlType, baseType: baseType,
                type: PostgresDriver.columnType(base: baseType, category: category, formatted: sqlType),
                isArray: category == "A")
            if isKey { info?.primaryKey.append(column) }
        }
        guard let info else {
            throw AdapterError.driver("table \(table) not found in database \(url.database)")
        }
        state.withLock { $0.info = info }
        return info
    }

    /// The cached table info, read once.
    func tableInfo() async throws -> TableInfo {
        if let info = state.withLock({ $0.info }) { return info }
        return try await loadInfo()
    }

    /// The adapter's column type for a PostgreSQL base type.
    static func columnType(base: String, category: String, formatted: String) -> ColumnType {
        if category == "A" { return .array }
        switch base {
        case "text", "varchar", "bpchar", "citext", "name", "uuid": return .text
        case "int2", "int4", "int8": return .integer
        case "numeric", "float4", "float8": return .real
        case "bool": return .boolean
        case "date": return .date
        case "timestamp", "timestamptz": return .timestamp
        default: return .unsupported(formatted)
        }
    }

    /// The objects the driver installs for this table.
    func captureSQL(_ info: TableInfo, columns: [String]) -> CaptureSQL {
        CaptureSQL(schema: info.schema, table: info.name, keyColumn: keyColumn, columns: columns)
    }

    /// The mapped columns: those of the last attach, else every column of a
    /// supported type.
    func mappedColumns(_ info: TableInfo) -> [String] {
        if let mapped = state.withLock({ $0.mapped }) { return mapped }
        return info.columns.filter { if case .unsupported = $0.value.type { false } else { true } }.keys.sorted()
    }

    /// The key column's SQL type (what key text is cast to).
    func keyType(_ info: TableInfo) throws -> String {
        guard let column = info.columns[keyColumn] else {
            throw AdapterError.badKey(table: table, problem: "key column \(keyColumn) is missing")
        }
        return column.sqlType
    }

    // MARK: Capture installation

    public func attach(columns: [String]) async throws {
        let info = try await loadInfo()
        guard info.columns[keyColumn] != nil else {
            throw AdapterError.badKey(table: table, problem: "key column \(keyColumn) is missing")
        }
        for column in columns where info.columns[column] == nil {
            throw AdapterError.schemaDrift(table: table, column: column, problem: "column is missing")
        }
        var mapped: [String] = []
        for column in [keyColumn] + columns where !mapped.contains(column) { mapped.append(column) }
        let sql = captureSQL(info, columns: mapped)
        try await perform("install the capture trigger") { connection in
            try await self.transaction(connection) {
                // One attach at a time per table (DDL of a concurrent one would conflict).
                try await self.collect(connection, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [sql.outbox])
                for statement in sql.attachStatements {
                    try await self.collect(connection, statement)
                }
            }
        }
        state.withLock { $0.mapped = mapped }
    }

    public func detach() async throws {
        let info = try await tableInfo()
        let sql = captureSQL(info, columns: [])
        try await perform("remove the capture trigger") { connection in
            try await self.transaction(connection) {
                for statement in sql.detachStatements {
                    try await self.collect(connection, statement)
                }
            }
        }
        state.withLock { $0.mapped = nil }
    }

    // MARK: Reading the outbox

    public func changes(after sequence: Int64, limit: Int) async throws -> CaptureRead {
        let info = try await tableInfo()
        let sql = captureSQL(info, columns: [])
        return try await perform("read the outbox") { connection in
            try await self.publish(connection, sql, after: sequence)
            let rows = try await self.collect(connection, """
                SELECT pos, op, pk, old::text, new::text, edited_at_ms FROM \(sql.outbox)
                WHERE pos > $1 ORDER BY pos LIMIT $2
                """, [sequence, Int64(max(limit, 0))])
            let changes = try rows.map { try self.change(from: $0) }
            // Nothing after the cursor: no deletes pending either (the idle case, kept to two round trips).
            guard !changes.isEmpty else { return CaptureRead(changes: [], pendingDeletes: 0, tableRows: 0) }
            let deletes = try await self.collect(connection, """
                SELECT count(*) FROM \(sql.outbox) WHERE pos > $1 AND op = 'delete'
                """, [sequence])
            let pending: Int64 = try deletes.first.map { try self.decode($0, as: Int64.self, "the outbox") } ?? 0
            var tableRows: Int64 = 0
            if pending > 0 {
                let counted = try await self.collect(connection, "SELECT count(*) FROM \(sql.qualifiedTable)")
                tableRows = try counted.first.map { row -> Int64 in try self.decode(row, as: Int64.self, "the table") } ?? 0
            }
            return CaptureRead(changes: changes, pendingDeletes: Int(pending), tableRows: Int(tableRows))
        }
    }

    /// Gives committed, unpositioned outbox rows the next positions, in
    /// `seq` order. A row becomes visible only when its transaction
    /// commits, and positions only grow, so a transaction that took its
    /// `seq` early but committed late is still read after the cursor (with
    /// `seq` alone it could land behind it and be skipped). Positions are
    /// given under an advisory lock, so two readers cannot interleave.
    ///
    /// Positions also always pass the cursor `after`: a server that lost
    /// its last committed transactions (a crash with `synchronous_commit`
    /// off, a failover to a replica that lagged, a restore) may hand out
    /// positions the cursor already passed, and a change given one would
    /// never be read, nor hold back a write over its row.
    func publish(_ connection: PostgresConnection, _ sql: CaptureSQL, after cursor: Int64) async throws {
        let waiting = try await collect(connection, "SELECT EXISTS (SELECT 1 FROM \(sql.outbox) WHERE pos IS NULL)")
        guard let row = waiting.first, try decode(row, as: Bool.self, "the outbox") else { return }
        try await transaction(connection) {
            try await self.collect(connection, "SELECT pg_advisory_xact_lock(hashtextextended($1, 1))", [sql.outbox])
            let counted = try await self.collect(connection, """
                SELECT count(*) FROM (SELECT 1 FROM \(sql.outbox) WHERE pos IS NULL LIMIT $1) AS waiting
                """, [PostgresDriver.publishBatch])
            let count: Int64 = try counted.first.map { row -> Int64 in try self.decode(row, as: Int64.self, "the outbox") } ?? 0
            guard count > 0 else { return }
            let reserved = try await self.collect(connection, """
                SELECT setval(\(sql.positionSequenceLiteral)::regclass,
                              greatest(nextval(\(sql.positionSequenceLiteral)::regclass), $2 + 1) + $1 - 1)
                """, [count, cursor])
            guard let row = reserved.first else { return }
            let last: Int64 = try self.decode(row, as: Int64.self, "the outbox")
            try await self.collect(connection, """
                UPDATE \(sql.outbox) AS o SET pos = $1 + w.n - 1
                FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM \(sql.outbox)
                      WHERE pos IS NULL ORDER BY seq LIMIT $2) AS w
                WHERE o.seq = w.seq AND o.pos IS NULL
                """, [last - count + 1, count])
        }
    }

    public func changes(in ranges: [ClosedRange<Int64>]) async throws -> [CapturedChange] {
        guard !ranges.isEmpty else { return [] }
        let info = try await tableInfo()
        let sql = captureSQL(info, columns: [])
        return try await perform("read held changes from the outbox") { connection in
            let rows = try await self.collect(connection, """
                SELECT o.pos, o.op, o.pk, o.old::text, o.new::text, o.edited_at_ms FROM \(sql.outbox) AS o
                WHERE EXISTS (SELECT 1 FROM unnest($1::int8[], $2::int8[]) AS k(lo, hi) WHERE o.pos BETWEEN k.lo AND k.hi)
                ORDER BY o.pos
                """, [ranges.map(\.lowerBound), ranges.map(\.upperBound)])
            return try rows.map { try self.change(from: $0) }
        }
    }

    public func acknowledge(through sequence: Int64, keeping: [ClosedRange<Int64>]) async throws {
        let info = try await tableInfo()
        let sql = captureSQL(info, columns: [])
        try await perform("acknowledge outbox changes") { connection in
            try await self.collect(connection, """
                DELETE FROM \(sql.outbox) AS o WHERE o.pos <= $1
                AND NOT EXISTS (SELECT 1 FROM unnest($2::int8[], $3::int8[]) AS k(lo, hi) WHERE o.pos BETWEEN k.lo AND k.hi)
                """, [sequence, keeping.map(\.lowerBound), keeping.map(\.upperBound)])
        }
    }

    public func waitForChanges(timeoutMillis: Int) async {
        await listener.wait(timeoutMillis: timeoutMillis)
    }

    /// A captured change from an outbox row.
    func change(from row: PostgresRow) throws -> CapturedChange {
        let (position, op, key, old, new, edited) = try decode(
            row, as: (Int64, String, String, String?, String?, Int64).self, "the outbox")
        guard let kind = CapturedChange.Kind(rawValue: op) else {
            throw AdapterError.driver("outbox of table \(table), change \(position): unknown operation \(op)")
        }
        return CapturedChange(
            sequence: position, kind: kind, key: key,
            old: try old.map { try values(json: $0, what: "outbox change \(position)") },
            new: try new.map { try values(json: $0, what: "outbox change \(position)") },
            editedAtMillis: edited)
    }

    /// Column values from a JSON object.
    func values(json: String, what: String) throws -> [String: ExternalValue] {
        guard let values = JSONArrayText.object(json) else {
            throw AdapterError.driver("table \(table), \(what): values are not a JSON object of plain values: \(json.prefix(200))")
        }
        return values
    }

    public func close() async {
        await listener.close()
        await keeper.close()
    }
}
