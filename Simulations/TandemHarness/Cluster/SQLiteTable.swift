import Foundation
import GRDB

/// A node's SQLite table, edited through GRDB from the harness's process
/// (another program than the node), in WAL mode with a 10 s busy timeout.
public final class SQLiteTable: ExternalTable {
    public let schema: NodeSchema
    public let path: String
    private let database: DatabaseQueue
    /// Finds a record's row by the adapter's key map too, not only by email
    /// (`HarnessOptions.sidestepKnownIssues`).
    public let sidestepsKnownIssues: Bool

    public var location: String { "\(path) table \(schema.table)" }

    /// Creates the database file with the table and the write-count
    /// triggers (`harness_writes`).
    public static func create(path: String, schema: NodeSchema, sidestepKnownIssues: Bool = false) throws -> SQLiteTable {
        let table = try SQLiteTable(path: path, schema: schema, sidestep: sidestepKnownIssues)
        try table.database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode=WAL")
            try db.execute(sql: schema.createSQL)
            try db.execute(sql: "CREATE TABLE harness_writes (n INTEGER PRIMARY KEY, pk TEXT, record TEXT, op TEXT)")
            let email = "\"\(schema.column("email"))\""
            for (op, row) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")] {
                try db.execute(sql: """
                    CREATE TRIGGER harness_count_\(op.lowercased()) AFTER \(op) ON "\(schema.table)"
                    BEGIN INSERT INTO harness_writes (pk, record, op)
                    VALUES (CAST(\(row)."\(schema.key)" AS TEXT), lower(trim(\(row).\(email))), '\(op.lowercased())'); END
                    """)
            }
        }
        return table
    }

    private init(path: String, schema: NodeSchema, sidestep: Bool) throws {
        self.path = path
        sidestepsKnownIssues = sidestep
        self.schema = schema
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "harness \(schema.table)"
        database = try DatabaseQueue(path: path, configuration: configuration)
    }

    public func apply(_ edit: ExternalEdit, node: Int, step: Int) async throws -> AppliedEdit? {
        let schema = schema
        let sidestep = sidestepsKnownIssues
        var result = try await database.writeWithoutTransaction { db -> AppliedEdit? in
            var result: AppliedEdit?
            try db.inTransaction(.immediate) {
                let start = unixMillis()
                let keys = "_tandem_keys_\(schema.table)"
                let mapped = try sidestep && Self.exists(db, table: keys)
                let byKeyMap = mapped
                    ? " OR CAST(\"\(schema.key)\" AS TEXT) IN (SELECT pk FROM \"\(keys)\" WHERE record = 'email:' || ?1)" : ""
                let found = try Row.fetchOne(
                    db, sql: "SELECT * FROM \"\(schema.table)\" WHERE lower(trim(\"\(schema.column("email"))\")) = ?1\(byKeyMap) LIMIT 1",
                    arguments: [edit.key])
                let existing = found.map { Self.tableRow($0, schema: schema) }
                let plan = edit.plan(existing: existing)
                switch plan {
                case .skip:
                    return .rollback
                case .insert(let values, let tags):
                    let columns = values.keys.sorted()
                    let names = (columns.map { schema.column($0) } + [schema.column("tags")]).map { "\"\($0)\"" }
                    try db.execute(
                        sql: "INSERT INTO \"\(schema.table)\" (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                        arguments: StatementArguments(columns.map { values[$0] } + [TableRow.column(tags: tags)]))
                case .update(let values, let tags):
                    let columns = values.keys.sorted()
                    var sets = columns.map { "\"\(schema.column($0))\" = ?" }
                    var arguments: [String?] = columns.map { values[$0] }
                    if let tags {
                        sets.append("\"\(schema.column("tags"))\" = ?")
                        arguments.append(TableRow.column(tags: tags))
                    }
                    guard let found, !sets.isEmpty else { return .rollback }
                    let pk: DatabaseValue = found[schema.key]
                    try db.execute(
                        sql: "UPDATE \"\(schema.table)\" SET \(sets.joined(separator: ", ")) WHERE \"\(schema.key)\" = ?",
                        arguments: StatementArguments(arguments.map { $0?.databaseValue ?? .null } + [pk]))
                case .delete:
                    guard let found else { return .rollback }
                    let pk: DatabaseValue = found[schema.key]
                    try db.execute(sql: "DELETE FROM \"\(schema.table)\" WHERE \"\(schema.key)\" = ?", arguments: [pk])
                }
                let rows = db.changesCount
                result = AppliedEdit(plan, existing: existing, node: node, step: step, key: edit.key, rows: rows, start: start, end: 0)
                return .commit
            }
            return result
        }
        result?.endMillis = unixMillis()
        return result
    }

    /// Writes with the adapter's marker set (`_tandem_control_<table>
    /// .applying`), so the node's capture does not see them: only for
    /// `BrokenVariant`. `body` runs inside one transaction.
    func uncaptured<T: Sendable>(_ body: @escaping @Sendable (Database, NodeSchema) throws -> T) async throws -> T {
        let schema = schema
        let control = "\"_tandem_control_\(schema.table)\""
        return try await database.write { db in
            try db.execute(sql: "UPDATE \(control) SET applying = 1")
            let result = try body(db, schema)
            try db.execute(sql: "UPDATE \(control) SET applying = 0")
            return result
        }
    }

    /// An update of the row with match key `key` that the node never
    /// captures, recorded as an edit (`BrokenVariant.loseEdit`).
    func applyUncaptured(key: String, values: [String: String], node: Int, step: Int) async throws -> AppliedEdit? {
        let done = try await uncaptured { db, schema -> AppliedEdit? in
            let start = unixMillis()
            guard let found = try Row.fetchOne(
                db, sql: "SELECT * FROM \"\(schema.table)\" WHERE lower(trim(\"\(schema.column("email"))\")) = ? LIMIT 1", arguments: [key])
            else { return nil }
            let existing = Self.tableRow(found, schema: schema)
            let fields = values.keys.sorted()
            let pk: DatabaseValue = found[schema.key]
            try db.execute(
                sql: "UPDATE \"\(schema.table)\" SET \(fields.map { "\"\(schema.column($0))\" = ?" }.joined(separator: ", ")) WHERE \"\(schema.key)\" = ?",
                arguments: StatementArguments(fields.map { values[$0]?.databaseValue ?? .null } + [pk]))
            return AppliedEdit(.update(values, tags: nil), existing: existing, node: node, step: step, key: key, rows: db.changesCount, start: start, end: 0)
        }
        guard var edit = done else { return nil }
        edit.endMillis = unixMillis()
        return edit
    }

    /// Rows of the table, for the broken variants: each row's primary key
    /// and match key.
    func rowKeys() async throws -> [(pk: String, key: String)] {
        let schema = schema
        return try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM \"\(schema.table)\"").compactMap { row in
                guard let pk = Self.text(row, schema.key), let email = Self.text(row, schema.column("email")) else { return nil }
                return (pk, NodeSchema.matchKey(email))
            }
        }
    }

    public func rows() async throws -> [TableRow] {
        let schema = schema
        return try await database.read { db in
            let keys = try Self.keyMap(db, schema: schema)
            return try Row.fetchAll(db, sql: "SELECT * FROM \"\(schema.table)\"").map { row in
                var tableRow = Self.tableRow(row, schema: schema)
                tableRow.mappedKey = Self.text(row, schema.key).flatMap { keys[$0] }
                return tableRow
            }
        }
    }

    public func writeCounts() async throws -> [String: Int] {
        try await database.read { db in
            let keys = try Self.keyMap(db, schema: schema)
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT pk, record, count(*) AS n FROM harness_writes GROUP BY pk, record") {
                let key = Self.text(row, "pk").flatMap { keys[$0] } ?? Self.text(row, "record") ?? ""
                counts[key, default: 0] += Int(Self.text(row, "n") ?? "") ?? 0
            }
            return counts
        }
    }

    /// The adapter's key map (`_tandem_keys_<table>`, docs/adapters.md):
    /// primary key to the match key of the record the row shows; empty
    /// before the adapter's first attach.
    static func keyMap(_ db: Database, schema: NodeSchema) throws -> [String: String] {
        let name = "_tandem_keys_\(schema.table)"
        guard try exists(db, table: name) else { return [:] }
        var keys: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT pk, record FROM \"\(name)\"") {
            if let pk = text(row, "pk"), let key = TableRow.key(recordID: text(row, "record")) { keys[pk] = key }
        }
        return keys
    }

    /// Whether the table exists now (asked of SQLite, not of GRDB's schema
    /// cache, which does not see tables other programs create).
    static func exists(_ db: Database, table: String) throws -> Bool {
        try Row.fetchOne(db, sql: "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table]) != nil
    }

    static func tableRow(_ row: Row, schema: NodeSchema) -> TableRow {
        var fields: [String: String] = [:]
        for field in NodeSchema.registerFields {
            if let value = text(row, schema.column(field)) { fields[field] = value }
        }
        return TableRow(fields: fields, tags: TableRow.tags(fromColumn: text(row, schema.column("tags"))))
    }

    /// A column's value as text, whatever its storage class (never traps
    /// on a value another program wrote).
    static func text(_ row: Row, _ column: String) -> String? {
        let value: DatabaseValue = row[column] ?? .null
        switch value.storage {
        case .null: return nil
        case .int64(let number): return String(number)
        case .double(let number): return String(number)
        case .string(let string): return string
        case .blob(let data): return String(decoding: data, as: UTF8.self)
        }
    }
}

