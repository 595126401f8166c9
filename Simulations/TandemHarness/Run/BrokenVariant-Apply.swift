import GRDB

extension BrokenVariant {
    /// Does the breakage to n1's table; returns the edits it made, to be
    /// recorded with the others (the lost edit).
    func apply(to cluster: Cluster, edits: [AppliedEdit], restarts: Int) async throws -> [AppliedEdit] {
        guard let table = cluster.tables.first as? SQLiteTable else {
            throw HarnessError("--break needs n1's table in SQLite")
        }
        guard let first = try await table.rowKeys().first else {
            throw HarnessError("--break \(rawValue): n1's table has no row to break")
        }
        switch self {
        case .loseEdit:
            // So its edit time is surely later than every edit of the
            // fault phase (the schedule's timing, not synchronisation).
            try await Task.sleep(for: .milliseconds(50))
            let edit = try await table.applyUncaptured(key: first.key, values: ["name": "lost-edit-n1"], node: 0, step: 0)
            return edit.map { [$0] } ?? []
        case .duplicateRow:
            try await table.uncaptured { db, schema in
                let columns = NodeSchema.fields.filter { $0 != "email" }.map { "\"\(schema.column($0))\"" }.joined(separator: ", ")
                let email = "\"\(schema.column("email"))\""
                try db.execute(
                    sql: "INSERT INTO \"\(schema.table)\" (\(email), \(columns)) SELECT upper(\(email)), \(columns) FROM \"\(schema.table)\" WHERE \"\(schema.key)\" = ?",
                    arguments: [first.pk])
            }
            return []
        case .echo:
            for row in try await table.rowKeys() {
                let times = edits.filter { $0.key == row.key }.count + restarts + 2
                try await table.uncaptured { db, schema in
                    let name = "\"\(schema.column("name"))\""
                    for _ in 0..<times {
                        try db.execute(sql: "UPDATE \"\(schema.table)\" SET \(name) = \(name) WHERE \"\(schema.key)\" = ?", arguments: [row.pk])
                    }
                }
            }
            return []
        }
    }
}
