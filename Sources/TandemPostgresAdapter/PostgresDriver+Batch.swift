import PostgresNIO
import TandemAdapterCore

/// The PostgreSQL driver's batched writes: a chunk of writes as a few
/// multi-row statements instead of a savepoint and several round trips per
/// row. `apply` runs this inside a savepoint of its own; when the server
/// refuses any statement (one poison row), it rolls the savepoint back and
/// runs the chunk row by row, so that row alone fails.
extension PostgresDriver {
    /// Parameters per multi-row statement (the protocol allows 65,535).
    static let batchBinds = 20_000

    /// Runs `writes` with the guarantees of the row-by-row path (rows an
    /// update or delete changes are locked before the outbox is checked;
    /// a row with an uncaptured change is `.deferred`; inserts and their
    /// key map entries change together). Throws the server's error when it
    /// refuses a statement: the caller rolls back and goes row by row.
    func applyBatch(
        _ writes: [ExternalWrite], connection: PostgresConnection, info: TableInfo, sql: CaptureSQL, columns: [String],
        capturedThrough: Int64
    ) async throws -> [WriteOutcome] {
        let keyType = try keyType(info)
        let quotedKey = SQL.identifier(keyColumn)
        var existing: [String] = []
        var keyed: [String] = []
        for write in writes {
            switch write {
            case .insert(_, let key, _): if let key { keyed.append(key) }
            case .update(_, let key, _), .delete(_, let key):
                existing.append(key)
                keyed.append(key)
            }
        }
        if !existing.isEmpty {
            try await collect(connection, """
                SELECT 1 FROM \(sql.qualifiedTable) WHERE \(quotedKey) = ANY ($1::\(keyType)[])
                ORDER BY \(quotedKey) FOR UPDATE
                """, [existing])
        }
        var pending: Set<String> = []
        if !keyed.isEmpty {
            let rows = try await collect(connection, """
                SELECT DISTINCT pk FROM \(sql.outbox) WHERE pk = ANY ($1::text[]) AND (pos IS NULL OR pos > $2)
                """, [keyed, capturedThrough])
            for row in rows { pending.insert(try decode(row, as: String.self, "the outbox")) }
        }

        var outcomes = [WriteOutcome?](repeating: nil, count: writes.count)
        var inserts: [[String]: [(index: Int, record: String, values: [String: ExternalValue])]] = [:]
        var updates: [[String]: [(index: Int, key: String, values: [String: ExternalValue])]] = [:]
        var singles: [Int] = []
        for (index, write) in writes.enumerated() {
            switch write {
            case .insert(let record, let key, var values):
                if let key, pending.contains(key) {
                    outcomes[index] = .deferred
                    continue
                }
                if let key, values[keyColumn] == nil { values[keyColumn] = .text(key) }
                if values.isEmpty {
                    singles.append(index)
                } else {
                    inserts[values.keys.sorted(), default: []].append((index, record, values))
                }
            case .update(_, let key, let values):
                if pending.contains(key) {
                    outcomes[index] = .deferred
                } else if values.isEmpty {
                    outcomes[index] = .written(key: key, lastValues: nil)
                } else {
                    updates[values.keys.sorted(), default: []].append((index, key, values))
                }
            case .delete(_, let key):
                if pending.contains(key) { outcomes[index] = .deferred } else { singles.append(index) }
            }
        }

        var mappedKeys: [String] = []
        var mappedRecords: [String] = []
        for (names, group) in inserts.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            for part in group.chunked(max(Self.batchBinds / names.count, 1)) {
                let keys = try await insertRows(part.map { $0.values }, names: names, connection: connection, info: info, sql: sql)
                for (row, key) in zip(part, keys) {
                    outcomes[row.index] = .written(key: key, lastValues: nil)
                    mappedKeys.append(key)
                    mappedRecords.append(row.record)
                }
            }
        }
        if !mappedKeys.isEmpty {
            try await saveMappings(keys: mappedKeys, records: mappedRecords, connection: connection, sql: sql, keyType: keyType)
        }
        for (names, group) in updates.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            for part in group.chunked(max(Self.batchBinds / (names.count + 1), 1)) {
                let updated = try await updateRows(
                    part.map { (key: $0.key, values: $0.values) }, names: names, connection: connection, info: info, sql: sql,
                    keyType: keyType)
                for row in part {
                    // A row that is gone is written anew below, with its key.
                    if updated.contains(row.key) { outcomes[row.index] = .written(key: row.key, lastValues: nil) } else { singles.append(row.index) }
                }
            }
        }
        for index in singles.sorted() {
            outcomes[index] = try await applyOne(
                writes[index], connection: connection, info: info, sql: sql, columns: columns, capturedThrough: capturedThrough)
        }
        return try outcomes.map { outcome in
            guard let outcome else { throw WriteRefusal(message: "table \(table): a batched write has no outcome") }
            return outcome
        }
    }

    /// Inserts rows that set the same columns `names` in one statement and
    /// returns their keys' text, in the rows' order (a multi-row VALUES
    /// insert returns its rows in the order it inserts them).
    private func insertRows(
        _ rows: [[String: ExternalValue]], names: [String], connection: PostgresConnection, info: TableInfo, sql: CaptureSQL
    ) async throws -> [String] {
        var statement = Statement()
        var tuples: [String] = []
        tuples.reserveCapacity(rows.count)
        for values in rows {
            var expressions: [String] = []
            for name in names {
                expressions.append(try statement.expression(values[name] ?? .null, column: name, info: info, table: table))
            }
            tuples.append("(" + expressions.joined(separator: ", ") + ")")
        }
        let inserted = try await collect(connection, """
            INSERT INTO \(sql.qualifiedTable) AS t (\(names.map(SQL.identifier).joined(separator: ", ")))
            VALUES \(tuples.joined(separator: ", ")) RETURNING \(keyText("t"))
            """, statement.values)
        guard inserted.count == rows.count else {
            throw WriteRefusal(message: "table \(table): \(rows.count) rows inserted, \(inserted.count) returned")
        }
        var keys: [String] = []
        keys.reserveCapacity(inserted.count)
        for row in inserted {
            let key: String? = try decode(row, as: String?.self, "an inserted row")
            guard let key else {
                throw WriteRefusal(message: "table \(table): the inserted row has no value in key column \(keyColumn)")
            }
            keys.append(key)
        }
        return keys
    }

    /// Updates rows that set the same columns `names` in one statement;
    /// returns the keys of the rows that exist (and were updated).
    private func updateRows(
        _ rows: [(key: String, values: [String: ExternalValue])], names: [String], connection: PostgresConnection,
        info: TableInfo, sql: CaptureSQL, keyType: String
    ) async throws -> Set<String> {
        var statement = Statement()
        var tuples: [String] = []
        tuples.reserveCapacity(rows.count)
        for row in rows {
            var expressions = [statement.bind(row.key) + "::text"]
            for name in names {
                let expression = try statement.expression(row.values[name] ?? .null, column: name, info: info, table: table)
                // A VALUES list takes its column types from its rows: a NULL needs its column's.
                expressions.append(expression == "NULL" ? "NULL::" + (info.columns[name]?.sqlType ?? "text") : expression)
            }
            tuples.append("(" + expressions.joined(separator: ", ") + ")")
        }
        let aliases = names.indices.map { "c\($0)" }
        let assignments = zip(names, aliases).map { SQL.identifier($0) + " = v." + $1 }
        let updated = try await collect(connection, """
            UPDATE \(sql.qualifiedTable) AS t SET \(assignments.joined(separator: ", "))
            FROM (VALUES \(tuples.joined(separator: ", "))) AS v(k, \(aliases.joined(separator: ", ")))
            WHERE t.\(SQL.identifier(keyColumn)) = v.k::\(keyType) RETURNING v.k
            """, statement.values)
        var keys: Set<String> = []
        for row in updated { keys.insert(try decode(row, as: String.self, "an updated row")) }
        return keys
    }
}

extension Array {
    /// The array in consecutive slices of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
