import GRDB
public import TandemAdapterCore

/// The SQLite driver's writes, in one immediate transaction with the
/// control row set so capture ignores them: the writes of a chunk run
/// together in one savepoint; when SQLite refuses one of them (a poison
/// row), that savepoint is rolled back and each write runs again in a
/// savepoint of its own, so only the refused one fails.
extension SQLiteDriver {
    public func apply(_ writes: [ExternalWrite], capturedThrough: Int64) async throws -> [WriteOutcome] {
        try await apply(writes, capturedThrough: capturedThrough, identity: nil)
    }

    public func apply(
        _ all: [ExternalWrite], capturedThrough: Int64, identity: RecordIdentity?
    ) async throws -> [WriteOutcome] {
        guard !all.isEmpty else { return [] }
        let sql = self.sql
        let columns = try await mappedColumns()
        return try await write { db in
            var outcomes: [WriteOutcome] = []
            var racing: Set<Int> = []
            var writes = all
            try db.inTransaction(.immediate) {
                // Inside the write lock: no other program can insert between
                // this look and the writes.
                racing = try Self.racingInserts(all, db: db, sql: sql, capturedThrough: capturedThrough, identity: identity)
                writes = all.enumerated().filter { !racing.contains($0.offset) }.map(\.element)
                try db.execute(sql: "UPDATE \(sql.control) SET applying = 1")
                if writes.count > 1 {
                    try db.execute(sql: "SAVEPOINT tandem_batch")
                    do {
                        for write in writes {
                            outcomes.append(try Self.run(write, db: db, sql: sql, columns: columns, capturedThrough: capturedThrough))
                        }
                        try db.execute(sql: "RELEASE tandem_batch")
                        try db.execute(sql: "UPDATE \(sql.control) SET applying = 0")
                        return .commit
                    } catch is DatabaseError {
                        outcomes.removeAll()
                        try db.execute(sql: "ROLLBACK TO tandem_batch")
                        try db.execute(sql: "RELEASE tandem_batch")
                    }
                }
                for write in writes {
                    try db.execute(sql: "SAVEPOINT tandem_write")
                    do {
                        let outcome = try Self.run(write, db: db, sql: sql, columns: columns, capturedThrough: capturedThrough)
                        outcomes.append(outcome)
                        try db.execute(sql: "RELEASE tandem_write")
                    } catch let error as DatabaseError {
                        try db.execute(sql: "ROLLBACK TO tandem_write")
                        try db.execute(sql: "RELEASE tandem_write")
                        outcomes.append(.failed(error.message ?? "\(error)"))
                    }
                }
                try db.execute(sql: "UPDATE \(sql.control) SET applying = 0")
                return .commit
            }
            return WriteOutcome.merging(outcomes, deferring: racing, count: all.count)
        }
    }

    /// The indexes of `writes` that insert a row for a record some change
    /// after `capturedThrough` (not captured yet) concerns. They are
    /// deferred, so capture reads that change first:
    /// - a program inserted the same match key meanwhile: capture maps that
    ///   row to the record and the write updates it;
    /// - a program deleted (or re-keyed) the record's row meanwhile: the
    ///   delete is captured (and applied, or held for approval) instead of
    ///   the row coming back before anyone saw it go.
    private static func racingInserts(
        _ writes: [ExternalWrite], db: Database, sql: SQLiteCaptureSQL, capturedThrough: Int64, identity: RecordIdentity?
    ) throws -> Set<Int> {
        guard writes.contains(where: \.insertsRow) else { return [] }
        // Records whose mapped row has an uncaptured change (its delete).
        var records = Set(try String.fetchAll(
            db, sql: "SELECT DISTINCT k.record FROM \(sql.outbox) AS o JOIN \(sql.keys) AS k ON k.pk = o.pk WHERE o.seq > ?",
            arguments: [capturedThrough]))
        if let identity {
            let rows = try Row.fetchAll(
                db, sql: "SELECT pk, new FROM \(sql.outbox) WHERE seq > ? AND new IS NOT NULL", arguments: [capturedThrough])
            for row in rows {
                guard let text: String = row["new"], let values = JSONArrayText.object(text) else { continue }
                if case .record(let id) = identity.recordID(key: row["pk"] ?? "", row: values) { records.insert(id) }
            }
        }
        guard !records.isEmpty else { return [] }
        return Set(writes.indices.filter { writes[$0].insertsRow && records.contains(writes[$0].record) })
    }

    private static func run(
        _ write: ExternalWrite, db: Database, sql: SQLiteCaptureSQL, columns: [String], capturedThrough: Int64
    ) throws -> WriteOutcome {
        func pending(_ key: String) throws -> Bool {
            try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM \(sql.outbox) WHERE pk = ? AND seq > ?)"),
                arguments: [key, capturedThrough]) ?? false
        }
        func insert(record: String, key: String?, values: [String: ExternalValue]) throws -> WriteOutcome {
            var names = values.keys.sorted()
            var arguments = names.map { binding(values[$0] ?? .null) }
            if let key, values[sql.keyColumn] == nil {
                names.append(sql.keyColumn)
                arguments.append(key)
            }
            if names.isEmpty {
                try db.execute(sql: "INSERT INTO \(sql.quotedTable) DEFAULT VALUES")
            } else {
                try db.cachedStatement(
                    sql: "INSERT INTO \(sql.quotedTable) (\(names.map(quoted).joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))"
                ).execute(arguments: StatementArguments(arguments))
            }
            guard let newKey = try String.fetchOne(db.cachedStatement(
                sql: "SELECT CAST(\(sql.quotedKey) AS TEXT) FROM \(sql.quotedTable) WHERE rowid = last_insert_rowid()"))
                ?? key ?? values[sql.keyColumn].flatMap(textKey)
            else { throw AdapterError.driver("inserted row of \(record) has no readable key") }
            try db.cachedStatement(sql: "DELETE FROM \(sql.keys) WHERE record = ? AND pk <> ?").execute(arguments: [record, newKey])
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO \(sql.keys) (pk, record) VALUES (?, ?)")
                .execute(arguments: [newKey, record])
            return .written(key: newKey, lastValues: nil)
        }
        switch write {
        case .insert(let record, let key, let values):
            if let key, try pending(key) { return .deferred }
            return try insert(record: record, key: key, values: values)
        case .update(let record, let key, let values):
            if try pending(key) { return .deferred }
            let names = values.keys.sorted()
            var arguments: [(any DatabaseValueConvertible)?] = names.map { binding(values[$0] ?? .null) }
            arguments.append(key)
            try db.cachedStatement(
                sql: "UPDATE \(sql.quotedTable) SET \(names.map { "\(quoted($0)) = ?" }.joined(separator: ", ")) WHERE \(sql.quotedKey) = ?"
            ).execute(arguments: StatementArguments(arguments))
            if db.changesCount == 0 { return try insert(record: record, key: key, values: values) }
            return .written(key: key, lastValues: nil)
        case .delete(_, let key):
            if try pending(key) { return .deferred }
            let last = try String.fetchOne(
                db, sql: "SELECT \(sql.json("t", columns)) FROM \(sql.quotedTable) AS t WHERE t.\(sql.quotedKey) = ?",
                arguments: [key]).flatMap(JSONArrayText.object)
            try db.execute(sql: "DELETE FROM \(sql.quotedTable) WHERE \(sql.quotedKey) = ?", arguments: [key])
            return .written(key: key, lastValues: last)
        }
    }

    private static func textKey(_ value: ExternalValue) -> String? {
        switch value {
        case .int(let number): String(number)
        case .text(let text): text
        case .double(let number): String(number)
        default: nil
        }
    }

    private static func binding(_ value: ExternalValue) -> (any DatabaseValueConvertible)? {
        switch value {
        case .null: nil
        case .bool(let flag): flag ? 1 : 0
        case .int(let number): number
        case .double(let number): number
        case .text(let text): text
        case .array: JSONArrayText.encode(value)
        }
    }
}
