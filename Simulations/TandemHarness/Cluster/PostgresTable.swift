import Foundation
import Logging
import PostgresNIO

/// A node's table on the run's PostgreSQL server, edited through
/// postgres-nio from the harness's process (one connection per operation,
/// so a server restart costs only the edits made while it is down).
public final class PostgresTable: ExternalTable {
    public let schema: NodeSchema
    private let configuration: PostgresConnection.Configuration
    private let database: String
    private let logger = Logger(label: "tandem-harness.postgres")
    /// Finds a record's row by the adapter's key map too, not only by email
    /// (`HarnessOptions.sidestepKnownIssues`).
    public let sidestepsKnownIssues: Bool

    public var location: String { "PostgreSQL database \(database) table public.\(schema.table)" }

    /// Creates the table and the write-count trigger (`harness_writes`) in
    /// `database` (which must exist) on the server at `host:port`.
    public static func create(
        host: String, port: Int, user: String, database: String, schema: NodeSchema, sidestepKnownIssues: Bool = false
    ) async throws -> PostgresTable {
        let table = PostgresTable(host: host, port: port, user: user, database: database, schema: schema, sidestep: sidestepKnownIssues)
        let email = "\"\(schema.column("email"))\""
        try await table.withConnection { connection in
            for sql in [
                """
                CREATE TABLE "\(schema.table)" ("\(schema.key)" serial PRIMARY KEY, \(email) text, \
                "\(schema.column("name"))" text, "\(schema.column("phone"))" text, "\(schema.column("note"))" text, \
                "\(schema.column("tags"))" text, "\(schema.unmapped)" integer DEFAULT 0)
                """,
                "CREATE TABLE harness_writes (n bigserial PRIMARY KEY, pk text, record text, op text)",
                """
                CREATE FUNCTION harness_count() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP = 'DELETE' THEN
                    INSERT INTO harness_writes (pk, record, op) VALUES (OLD."\(schema.key)"::text, lower(trim(OLD.\(email))), 'delete');
                    RETURN OLD;
                  END IF;
                  INSERT INTO harness_writes (pk, record, op) VALUES (NEW."\(schema.key)"::text, lower(trim(NEW.\(email))), lower(TG_OP));
                  RETURN NEW;
                END $$
                """,
                "CREATE TRIGGER harness_count AFTER INSERT OR UPDATE OR DELETE ON \"\(schema.table)\" FOR EACH ROW EXECUTE FUNCTION harness_count()",
            ] {
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: table.logger)
            }
        }
        return table
    }

    private init(host: String, port: Int, user: String, database: String, schema: NodeSchema, sidestep: Bool) {
        self.schema = schema
        sidestepsKnownIssues = sidestep
        self.database = database
        configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: nil, database: database, tls: .disable)
    }

    private func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private func fetch(_ connection: PostgresConnection, _ sql: String, _ arguments: [String?] = []) async throws -> [[String: String]] {
        var binds = PostgresBindings()
        for argument in arguments {
            if let argument { binds.append(argument) } else { binds.appendNull() }
        }
        var rows: [[String: String]] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            var values: [String: String] = [:]
            for cell in row {
                if let text = try? cell.decode(String?.self) { values[cell.columnName] = text }
            }
            rows.append(values)
        }
        return rows
    }

    public func apply(_ edit: ExternalEdit, node: Int, step: Int) async throws -> AppliedEdit? {
        let schema = schema
        let columns = (["key"] + NodeSchema.fields).map { "\"\($0 == "key" ? schema.key : schema.column($0))\"::text AS \"\($0)\"" }
        var result = try await withConnection { connection -> AppliedEdit? in
            _ = try await fetch(connection, "BEGIN")
            // The program looks for the key and inserts under a lock that
            // the adapter's inserts take too (SHARE ROW EXCLUSIVE conflicts
            // with itself), as a program that keeps its keys unique would.
            // Without it, the adapter's insert of the same customer could
            // commit between the look-up and the insert: a second row of
            // the program's own making, which Tandem reports and does not
            // merge (docs/adapters.md, "Rows and records"), not a sync failure.
            _ = try await fetch(connection, "LOCK TABLE \"\(schema.table)\" IN SHARE ROW EXCLUSIVE MODE")
            let start = unixMillis()
            let keys = "_tandem_keys_\(schema.table)"
            var mapped = false
            if sidestepsKnownIssues {
                mapped = try await fetch(connection, "SELECT to_regclass($1)::text AS name", ["public.\"\(keys)\""]).first?["name"] != nil
            }
            let byKeyMap = mapped
                ? " OR \"\(schema.key)\"::text IN (SELECT pk FROM public.\"\(keys)\" WHERE record = 'email:' || $1)" : ""
            let found = try await fetch(
                connection,
                "SELECT \(columns.joined(separator: ", ")) FROM \"\(schema.table)\" WHERE lower(trim(\"\(schema.column("email"))\")) = $1\(byKeyMap) LIMIT 1 FOR UPDATE",
                [edit.key]
            ).first
            let existing = found.map { Self.tableRow($0) }
            let plan = edit.plan(existing: existing)
            switch plan {
            case .skip:
                _ = try await fetch(connection, "ROLLBACK")
                return nil
            case .insert(let values, let tags):
                let fields = values.keys.sorted()
                let names = (fields.map { schema.column($0) } + [schema.column("tags")]).map { "\"\($0)\"" }
                let places = names.indices.map { "$\($0 + 1)" }
                _ = try await fetch(
                    connection, "INSERT INTO \"\(schema.table)\" (\(names.joined(separator: ", "))) VALUES (\(places.joined(separator: ", ")))",
                    fields.map { values[$0] } + [TableRow.column(tags: tags)])
            case .update(let values, let tags):
                let fields = values.keys.sorted()
                var sets = fields.enumerated().map { "\"\(schema.column($0.element))\" = $\($0.offset + 1)" }
                var arguments: [String?] = fields.map { values[$0] }
                if let tags {
                    arguments.append(TableRow.column(tags: tags))
                    sets.append("\"\(schema.column("tags"))\" = $\(arguments.count)")
                }
                arguments.append(found?["key"])
                _ = try await fetch(
                    connection, "UPDATE \"\(schema.table)\" SET \(sets.joined(separator: ", ")) WHERE \"\(schema.key)\"::text = $\(arguments.count)",
                    arguments)
            case .delete:
                _ = try await fetch(connection, "DELETE FROM \"\(schema.table)\" WHERE \"\(schema.key)\"::text = $1", [found?["key"]])
            }
            _ = try await fetch(connection, "COMMIT")
            return AppliedEdit(plan, existing: existing, node: node, step: step, key: edit.key, rows: 1, start: start, end: 0)
        }
        result?.endMillis = unixMillis()
        return result
    }

    public func rows() async throws -> [TableRow] {
        let schema = schema
        let columns = (["key"] + NodeSchema.fields).map { "t.\"\($0 == "key" ? schema.key : schema.column($0))\"::text AS \"\($0)\"" }
        return try await withConnection { connection in
            let keys = try await keyMap(connection)
            return try await fetch(connection, "SELECT \(columns.joined(separator: ", ")) FROM \"\(schema.table)\" t").map { values in
                var row = Self.tableRow(values)
                row.mappedKey = values["key"].flatMap { keys[$0] }
                return row
            }
        }
    }

    public func writeCounts() async throws -> [String: Int] {
        try await withConnection { connection in
            let keys = try await keyMap(connection)
            var counts: [String: Int] = [:]
            for row in try await fetch(connection, "SELECT pk, record, count(*)::text AS n FROM harness_writes GROUP BY pk, record") {
                let key = row["pk"].flatMap { keys[$0] } ?? row["record"] ?? ""
                counts[key, default: 0] += Int(row["n"] ?? "") ?? 0
            }
            return counts
        }
    }

    private func keyMap(_ connection: PostgresConnection) async throws -> [String: String] {
        let name = "_tandem_keys_\(schema.table)"
        let exists = try await fetch(connection, "SELECT to_regclass($1)::text AS name", ["public.\"\(name)\""]).first?["name"] != nil
        guard exists else { return [:] }
        var keys: [String: String] = [:]
        for row in try await fetch(connection, "SELECT pk, record FROM public.\"\(name)\"") {
            if let pk = row["pk"], let key = TableRow.key(recordID: row["record"]) { keys[pk] = key }
        }
        return keys
    }

    /// Canonical row of a result row whose columns are named by field.
    static func tableRow(_ values: [String: String]) -> TableRow {
        var fields: [String: String] = [:]
        for field in NodeSchema.registerFields {
            if let value = values[field] { fields[field] = value }
        }
        return TableRow(fields: fields, tags: TableRow.tags(fromColumn: values["tags"]))
    }
}
