import Logging
import PostgresNIO
import Synchronization
public import TandemAdapterCore

/// The PostgreSQL driver's key map and row reads.
extension PostgresDriver {
    // MARK: Key map

    /// Looked up key by key through the key map's primary key index (a
    /// `LATERAL` subquery per key, which the planner cannot turn into a
    /// scan): with `pk = ANY (...)` of a few thousand keys it chose a
    /// sequential scan of the whole map, a cost that grows with the table
    /// (167 ms against 47 ms for 5,000 keys of a 1,000,000-row map).
    public func records(forKeys keys: [String]) async throws -> [String: String] {
        guard !keys.isEmpty else { return [:] }
        let sql = captureSQL(try await tableInfo(), columns: [])
        return try await perform("read the key map") { connection in
            let rows = try await self.collect(connection, """
                SELECT k.pk, k.record FROM unnest($1::text[]) AS u(pk)
                CROSS JOIN LATERAL (SELECT m.pk, m.record FROM \(sql.keys) AS m WHERE m.pk = u.pk LIMIT 1) AS k
                """, [keys])
            var result: [String: String] = [:]
            for row in rows {
                let (key, record) = try self.decode(row, as: (String, String).self, "the key map")
                result[key] = record
            }
            return result
        }
    }

    /// The primary keys mapped to these record ids, for rows that exist: a
    /// row deleted by another program keeps its mapping (so its captured
    /// delete finds the record) but no longer claims the record, so a new
    /// row with the same match key maps to it.
    public func keys(forRecords records: [String]) async throws -> [String: String] {
        guard !records.isEmpty else { return [:] }
        let info = try await tableInfo()
        let sql = captureSQL(info, columns: [])
        let keyType = try keyType(info)
        return try await perform("read the key map") { connection in
            // Record by record through the `record` index, as in `records(forKeys:)`.
            let rows = try await self.collect(connection, """
                SELECT k.record, k.pk FROM unnest($1::text[]) AS r(record)
                CROSS JOIN LATERAL (SELECT m.record, m.pk FROM \(sql.keys) AS m WHERE m.record = r.record LIMIT 1) AS k
                WHERE EXISTS (SELECT 1 FROM \(sql.qualifiedTable) AS t WHERE t.\(SQL.identifier(self.keyColumn)) = k.pk::\(keyType))
                """, [records])
            var result: [String: String] = [:]
            for row in rows {
                let (record, key) = try self.decode(row, as: (String, String).self, "the key map")
                result[record] = key
            }
            return result
        }
    }

    /// Saves the mappings, in one transaction. A mapping of the same record
    /// to a row that no longer exists (deleted by another program) is
    /// released first; a record mapped to another existing row is an error.
    public func map(_ mappings: [String: String]) async throws {
        guard !mappings.isEmpty else { return }
        let info = try await tableInfo()
        let sql = captureSQL(info, columns: [])
        let keyType = try keyType(info)
        let pairs = mappings.sorted { $0.key < $1.key }
        try await perform("save key mappings") { connection in
            try await self.transaction(connection) {
                try await self.saveMappings(
                    keys: pairs.map(\.key), records: pairs.map(\.value), connection: connection, sql: sql, keyType: keyType)
            }
        }
    }

    /// Upserts key map entries, first releasing other mappings of the same
    /// records whose rows are gone (inside the caller's transaction).
    func saveMappings(keys: [String], records: [String], connection: PostgresConnection, sql: CaptureSQL, keyType: String)
        async throws
    {
        try await collect(connection, """
            DELETE FROM \(sql.keys) AS k USING unnest($1::text[], $2::text[]) AS m(pk, record)
            WHERE k.record = m.record AND k.pk <> m.pk
            AND NOT EXISTS (SELECT 1 FROM \(sql.qualifiedTable) AS t WHERE t.\(SQL.identifier(keyColumn)) = k.pk::\(keyType))
            """, [keys, records])
        try await collect(connection, """
            INSERT INTO \(sql.keys) (pk, record) SELECT * FROM unnest($1::text[], $2::text[])
            ON CONFLICT (pk) DO UPDATE SET record = EXCLUDED.record
            """, [keys, records])
    }

    // MARK: Rows

    /// SQL for a row's mapped columns as JSON text (`to_jsonb`: timestamps
    /// as ISO text, arrays as arrays, booleans as booleans), given the
    /// parameter holding the column names.
    static func rowJSON(_ alias: String, columns parameter: String) -> String {
        """
        (SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) FROM jsonb_each(to_jsonb(\(alias))) AS e \
        WHERE e.key = ANY (\(parameter)::text[]))::text
        """
    }

    /// SQL for a row's primary key text (its JSON text, as the trigger records it).
    func keyText(_ alias: String) -> String {
        "to_jsonb(\(alias)) ->> \(SQL.literal(keyColumn))"
    }

    public func rows(keys: [String]) async throws -> [String: ExternalRow] {
        guard !keys.isEmpty else { return [:] }
        let info = try await tableInfo()
        let sql = captureSQL(info, columns: [])
        let keyType = try keyType(info)
        let columns = mappedColumns(info)
        return try await perform("read rows") { connection in
            let rows = try await self.collect(connection, """
                SELECT \(self.keyText("t")), \(PostgresDriver.rowJSON("t", columns: "$2")) FROM \(sql.qualifiedTable) AS t
                WHERE t.\(SQL.identifier(self.keyColumn)) = ANY ($1::\(keyType)[])
                """, [keys, columns])
            var result: [String: ExternalRow] = [:]
            for row in try self.externalRows(rows) { result[row.key] = row }
            return result
        }
    }

    public func snapshot(after key: String?, limit: Int) async throws -> [ExternalRow] {
        let info = try await tableInfo()
        let sql = captureSQL(info, columns: [])
        let keyType = try keyType(info)
        let columns = mappedColumns(info)
        let quotedKey = SQL.identifier(keyColumn)
        return try await perform("read the table") { connection in
            let select = "SELECT \(self.keyText("t")), \(PostgresDriver.rowJSON("t", columns: "$1")) FROM \(sql.qualifiedTable) AS t"
            let rows: [PostgresRow]
            if let key {
                rows = try await self.collect(connection, """
                    \(select) WHERE t.\(quotedKey) > $3::\(keyType) ORDER BY t.\(quotedKey) LIMIT $2
                    """, [columns, Int64(max(limit, 0)), key])
            } else {
                rows = try await self.collect(connection, """
                    \(select) ORDER BY t.\(quotedKey) LIMIT $2
                    """, [columns, Int64(max(limit, 0))])
            }
            return try self.externalRows(rows)
        }
    }

    public func rowCount() async throws -> Int {
        let info = try await tableInfo()
        let sql = captureSQL(info, columns: [])
        return try await perform("count the table's rows") { connection in
            let counted = try await self.collect(connection, "SELECT count(*) FROM \(sql.qualifiedTable)")
            return Int(try counted.first.map { row -> Int64 in try self.decode(row, as: Int64.self, "the table") } ?? 0)
        }
    }

    func externalRows(_ rows: [PostgresRow]) throws -> [ExternalRow] {
        try rows.map { row in
            let (key, json) = try decode(row, as: (String?, String).self, "rows")
            guard let key else { throw AdapterError.badKey(table: table, problem: "a row has no value in key column \(keyColumn)") }
            return ExternalRow(key: key, columns: try values(json: json, what: "row \(key)"))
        }
    }
}
