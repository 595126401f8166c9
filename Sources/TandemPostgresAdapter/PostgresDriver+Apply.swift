import PostgresNIO
public import TandemAdapterCore

extension PostgresDriver {
    /// Runs `writes` in one transaction marked `tandem.applying = on` (the
    /// capture trigger skips it). Several writes go first as a batch of
    /// multi-row statements in one savepoint (`applyBatch`); when the server
    /// refuses any of it, the savepoint is rolled back and the writes run
    /// one by one, each in a savepoint: a write the server refuses (a
    /// constraint, a type, a length) is rolled back alone and reported
    /// `.failed` with the server's message; the others commit.
    ///
    /// Before a write of an existing row the row is locked, then the outbox
    /// is checked for a change of it after `capturedThrough` (or one not yet
    /// positioned): such a row has an edit the runner has not read, so the
    /// write is `.deferred` instead of overwriting it.
    public func apply(_ writes: [ExternalWrite], capturedThrough: Int64) async throws -> [WriteOutcome] {
        try await apply(writes, capturedThrough: capturedThrough, identity: nil)
    }

    /// With `identity`, a chunk that inserts rows first takes a lock that
    /// lets no other transaction write the table until it commits (SHARE
    /// ROW EXCLUSIVE, waiting at most the lock timeout), then defers the
    /// inserts of records an uncaptured change already gives a row.
    public func apply(
        _ all: [ExternalWrite], capturedThrough: Int64, identity: RecordIdentity?
    ) async throws -> [WriteOutcome] {
        guard !all.isEmpty else { return [] }
        var info = try await tableInfo()
        let named = all.flatMap { write -> [String] in
            switch write {
            case .insert(_, _, let columns), .update(_, _, let columns): Array(columns.keys)
            case .delete: []
            }
        }
        if named.contains(where: { info.columns[$0] == nil }) {
            info = try await loadInfo()  // a column added since the table was read
        }
        let known = info
        let sql = captureSQL(info, columns: [])
        let columns = mappedColumns(info)
        return try await perform("write rows") { connection in
            try await self.transaction(connection) {
                try await self.collect(connection, "SELECT set_config('tandem.applying', 'on', true)")
                // A row an external transaction keeps locked fails its write
                // (retried later) instead of stalling the others.
                try await self.collect(connection, "SELECT set_config('lock_timeout', '5s', true)")
                let racing = try await self.racingInserts(
                    all, connection: connection, sql: sql, capturedThrough: capturedThrough, identity: identity)
                let writes = all.enumerated().filter { !racing.contains($0.offset) }.map(\.element)
                guard !writes.isEmpty else { return WriteOutcome.merging([], deferring: racing, count: all.count) }
                if writes.count > 1 {
                    try await self.collect(connection, "SAVEPOINT tandem_batch")
                    do {
                        let outcomes = try await self.applyBatch(
                            writes, connection: connection, info: known, sql: sql, columns: columns,
                            capturedThrough: capturedThrough)
                        try await self.collect(connection, "RELEASE SAVEPOINT tandem_batch")
                        return WriteOutcome.merging(outcomes, deferring: racing, count: all.count)
                    } catch let error where error is WriteRefusal || ConnectionKeeper.isRefusedWrite(error) {
                        // One write refused: undo the batch, then each write alone.
                        try await self.collect(connection, "ROLLBACK TO SAVEPOINT tandem_batch")
                        try await self.collect(connection, "RELEASE SAVEPOINT tandem_batch")
                    }
                }
                var outcomes: [WriteOutcome] = []
                outcomes.reserveCapacity(writes.count)
                for write in writes {
                    try await self.collect(connection, "SAVEPOINT tandem_write")
                    do {
                        let outcome = try await self.applyOne(
                            write, connection: connection, info: known, sql: sql, columns: columns,
                            capturedThrough: capturedThrough)
                        try await self.collect(connection, "RELEASE SAVEPOINT tandem_write")
                        outcomes.append(outcome)
                    } catch let refusal as WriteRefusal {
                        try await self.collect(connection, "ROLLBACK TO SAVEPOINT tandem_write")
                        try await self.collect(connection, "RELEASE SAVEPOINT tandem_write")
                        outcomes.append(.failed(refusal.message))
                    } catch let error where ConnectionKeeper.isRefusedWrite(error) {
                        try await self.collect(connection, "ROLLBACK TO SAVEPOINT tandem_write")
                        try await self.collect(connection, "RELEASE SAVEPOINT tandem_write")
                        outcomes.append(.failed(ConnectionKeeper.reason(error)))
                    }
                }
                return WriteOutcome.merging(outcomes, deferring: racing, count: all.count)
            }
        }
    }

    /// The indexes of `writes` that insert a row for a record some change
    /// not captured yet concerns, looked up under a lock that keeps other
    /// writers out until this transaction ends. They are deferred, so
    /// capture reads that change first:
    /// - another program inserted the same match key meanwhile (with
    ///   `identity`): capture maps that row to the record and the write
    ///   updates it;
    /// - another program deleted (or re-keyed) the record's row meanwhile:
    ///   the delete is captured (and applied, or held for approval) instead
    ///   of the row coming back before anyone saw it go.
    private func racingInserts(
        _ writes: [ExternalWrite], connection: PostgresConnection, sql: CaptureSQL, capturedThrough: Int64,
        identity: RecordIdentity?
    ) async throws -> Set<Int> {
        guard writes.contains(where: \.insertsRow) else { return [] }
        try await collect(connection, "LOCK TABLE \(sql.qualifiedTable) IN SHARE ROW EXCLUSIVE MODE")
        var records: Set<String> = []
        for row in try await collect(connection, """
            SELECT DISTINCT k.record FROM \(sql.outbox) AS o JOIN \(sql.keys) AS k ON k.pk = o.pk
            WHERE o.pos IS NULL OR o.pos > $1
            """, [capturedThrough]) {
            records.insert(try row.decode(String.self))
        }
        if let identity {
            let rows = try await collect(connection, """
                SELECT coalesce(pos, 0), op, pk, old::text, new::text, edited_at_ms FROM \(sql.outbox)
                WHERE (pos IS NULL OR pos > $1) AND new IS NOT NULL
                """, [capturedThrough])
            for row in rows {
                let change = try self.change(from: row)
                guard let values = change.new else { continue }
                if case .record(let id) = identity.recordID(key: change.key, row: values) { records.insert(id) }
            }
        }
        return Set(writes.indices.filter { writes[$0].insertsRow && records.contains(writes[$0].record) })
    }

    /// A write the driver refuses before the server sees it.
    struct WriteRefusal: Error {
        var message: String
    }

    /// One write, inside its savepoint.
    func applyOne(
        _ write: ExternalWrite, connection: PostgresConnection, info: TableInfo, sql: CaptureSQL, columns: [String],
        capturedThrough: Int64
    ) async throws -> WriteOutcome {
        let keyType = try keyType(info)
        let quotedKey = SQL.identifier(keyColumn)
        switch write {
        case .insert(let record, let key, let values):
            if let key, try await hasNewerChange(key, connection: connection, sql: sql, after: capturedThrough) {
                return .deferred
            }
            var values = values
            if let key, values[keyColumn] == nil { values[keyColumn] = .text(key) }
            let inserted = try await insert(values, connection: connection, info: info, sql: sql)
            try await mapKey(inserted, to: record, connection: connection, sql: sql, info: info)
            return .written(key: inserted, lastValues: nil)

        case .update(let record, let key, let values):
            try await collect(
                connection, "SELECT 1 FROM \(sql.qualifiedTable) WHERE \(quotedKey) = $1::\(keyType) FOR UPDATE", [key])
            if try await hasNewerChange(key, connection: connection, sql: sql, after: capturedThrough) { return .deferred }
            var statement = Statement()
            var assignments: [String] = []
            for (column, value) in values.sorted(by: { $0.key < $1.key }) {
                assignments.append(SQL.identifier(column) + " = " + (try statement.expression(value, column: column, info: info, table: table)))
            }
            if assignments.isEmpty { return .written(key: key, lastValues: nil) }
            let keyParameter = statement.bind(key)
            let updated = try await collect(connection, """
                UPDATE \(sql.qualifiedTable) SET \(assignments.joined(separator: ", "))
                WHERE \(quotedKey) = \(keyParameter)::\(keyType) RETURNING 1
                """, statement.values)
            if !updated.isEmpty { return .written(key: key, lastValues: nil) }
            // The row is gone: write it anew with its key.
            var row = values
            if row[keyColumn] == nil { row[keyColumn] = .text(key) }
            let inserted = try await insert(row, connection: connection, info: info, sql: sql)
            try await mapKey(inserted, to: record, connection: connection, sql: sql, info: info)
            return .written(key: inserted, lastValues: nil)

        case .delete(_, let key):
            try await collect(
                connection, "SELECT 1 FROM \(sql.qualifiedTable) WHERE \(quotedKey) = $1::\(keyType) FOR UPDATE", [key])
            if try await hasNewerChange(key, connection: connection, sql: sql, after: capturedThrough) { return .deferred }
            let deleted = try await collect(connection, """
                DELETE FROM \(sql.qualifiedTable) AS t WHERE t.\(quotedKey) = $1::\(keyType)
                RETURNING \(PostgresDriver.rowJSON("t", columns: "$2"))
                """, [key, columns])
            try await collect(connection, "DELETE FROM \(sql.keys) WHERE pk = $1", [key])
            guard let row = deleted.first else { return .written(key: key, lastValues: nil) }
            let json = try decode(row, as: String.self, "a deleted row")
            return .written(key: key, lastValues: try values(json: json, what: "deleted row \(key)"))
        }
    }

    /// Whether the outbox holds a change of row `key` the runner has not
    /// handled: after `capturedThrough`, or committed but not yet positioned.
    func hasNewerChange(_ key: String, connection: PostgresConnection, sql: CaptureSQL, after capturedThrough: Int64)
        async throws -> Bool
    {
        let rows = try await collect(connection, """
            SELECT EXISTS (SELECT 1 FROM \(sql.outbox) WHERE pk = $1 AND (pos IS NULL OR pos > $2))
            """, [key, capturedThrough])
        guard let row = rows.first else { return false }
        return try decode(row, as: Bool.self, "the outbox")
    }

    /// Inserts a row (unmapped columns get their defaults) and returns its key text.
    func insert(_ values: [String: ExternalValue], connection: PostgresConnection, info: TableInfo, sql: CaptureSQL)
        async throws -> String
    {
        var statement = Statement()
        var names: [String] = []
        var expressions: [String] = []
        for (column, value) in values.sorted(by: { $0.key < $1.key }) {
            names.append(SQL.identifier(column))
            expressions.append(try statement.expression(value, column: column, info: info, table: table))
        }
        let target = names.isEmpty
            ? "DEFAULT VALUES"
            : "(\(names.joined(separator: ", "))) VALUES (\(expressions.joined(separator: ", ")))"
        let rows = try await collect(connection, """
            INSERT INTO \(sql.qualifiedTable) AS t \(target) RETURNING \(keyText("t"))
            """, statement.values)
        let key: String? = try rows.first.flatMap { row -> String? in try decode(row, as: String?.self, "an inserted row") }
        guard let key else {
            throw WriteRefusal(message: "table \(table): the inserted row has no value in key column \(keyColumn)")
        }
        return key
    }

    /// Maps `key` to `record` in the key map (same transaction as the row),
    /// releasing a mapping of `record` to a row that is gone.
    func mapKey(_ key: String, to record: String, connection: PostgresConnection, sql: CaptureSQL, info: TableInfo)
        async throws
    {
        try await saveMappings(keys: [key], records: [record], connection: connection, sql: sql, keyType: try keyType(info))
    }
}

/// Parameters of one statement under construction.
struct Statement {
    var values: [any PostgresBindable] = []

    /// Binds `value` and returns its parameter (`$n`).
    mutating func bind(_ value: any PostgresBindable) -> String {
        values.append(value)
        return "$\(values.count)"
    }

    /// The SQL expression that writes `value` to `column`: bound, then cast
    /// to the column's type (without its length or precision, so the
    /// column's own check refuses a value that does not fit rather than a
    /// cast cutting it). A set goes to an array column as an array built
    /// from JSON, to a text column as JSON array text.
    mutating func expression(_ value: ExternalValue, column: String, info: PostgresDriver.TableInfo, table: String) throws -> String {
        guard let type = info.columns[column] else {
            throw PostgresDriver.WriteRefusal(message: "table \(table) has no column \(column)")
        }
        let cast = "::" + type.sqlType
        switch value {
        case .null: return "NULL"
        case .bool(let flag): return bind(flag) + cast
        case .int(let number): return bind(number) + cast
        case .double(let number):
            // numeric keeps the shortest exact decimal (a float8 cast would keep 15 digits).
            if type.baseType == "numeric" { return bind(String(number)) + "::text" + cast }
            return bind(number) + cast
        case .text(let text): return bind(text) + cast
        case .array:
            let parameter = bind(JSONArrayText.encode(value))
            if type.isArray {
                return "ARRAY(SELECT e.v FROM jsonb_array_elements_text(\(parameter)::jsonb) WITH ORDINALITY AS e(v, i) ORDER BY e.i)"
                    + cast
            }
            return parameter + "::text" + cast
        }
    }
}
