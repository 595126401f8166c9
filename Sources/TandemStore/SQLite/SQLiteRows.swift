import Foundation
import GRDB
import TandemCore

/// `RecordRows` and the other row-level operations of `SQLiteStore`, inside
/// one GRDB transaction. Node and collection ids are interned per
/// transaction, so a rolled-back transaction leaves no stale cache behind.
struct SQLiteRows: RecordRows {
    let db: Database
    let path: String
    private var nodeIDs: [NodeID: Int64] = [:]
    private var nodeKeys: [Int64: NodeID] = [:]
    private var collectionIDs: [String: Int64] = [:]
    /// The hot statements, prepared once per transaction (see `RawStatement`).
    private var hot: [RawStatement?] = Array(repeating: nil, count: HotStatement.allCases.count)

    init(db: Database, path: String) {
        self.db = db
        self.path = path
    }

    // MARK: Hot statements

    /// The statements run per record or per entry.
    private enum HotStatement: Int, CaseIterable {
        case readRecord, recordIDsHoldingDots, deleteEntry, insertEntry
        case readLeafDigest, writeLeafDigest, insertRecordLeaf, deleteRecordLeaf

        var sql: String {
            switch self {
            case .readRecord:
                "SELECT node_id, counter, kind, name, element, timestamp, value FROM entry WHERE collection_id = ? AND record = ?"
            case .recordIDsHoldingDots:
                "SELECT DISTINCT record FROM entry WHERE collection_id = ? AND node_id = ? AND counter BETWEEN ? AND ?"
            case .deleteEntry:
                "DELETE FROM entry WHERE collection_id = ? AND record = ? AND node_id = ? AND counter = ?"
            case .insertEntry:
                """
                INSERT INTO entry (collection_id, node_id, counter, record, kind, name, element, timestamp, value)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            case .readLeafDigest:
                "SELECT count, digest FROM leaf_digest WHERE collection_id = ? AND leaf = ?"
            case .writeLeafDigest:
                "INSERT OR REPLACE INTO leaf_digest (collection_id, leaf, count, digest) VALUES (?, ?, ?, ?)"
            case .insertRecordLeaf:
                "INSERT OR REPLACE INTO record_leaf (collection_id, record, leaf) VALUES (?, ?, ?)"
            case .deleteRecordLeaf:
                "DELETE FROM record_leaf WHERE collection_id = ? AND record = ?"
            }
        }
    }

    /// `key`'s statement, reset, with nothing bound.
    private mutating func statement(_ key: HotStatement) throws(StoreError) -> RawStatement {
        if let statement = hot[key.rawValue] {
            statement.reset()
            return statement
        }
        let statement = try run { RawStatement(try db.cachedStatement(sql: key.sql)) }
        statement.reset()
        hot[key.rawValue] = statement
        return statement
    }

    /// Runs raw statement calls, mapping their errors to `StoreError`.
    private func sql<T>(_ body: () throws(DatabaseError) -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch {
            throw SQLiteStore.storeError(error, path: path)
        }
    }

    // MARK: Interning

    mutating func nodeRowID(_ node: NodeID) throws(StoreError) -> Int64 {
        if let id = try knownNodeRowID(node) { return id }
        let key = Data(node.bytes)
        let id = try run {
            try db.execute(sql: "INSERT INTO node (key) VALUES (?)", arguments: [key])
            return db.lastInsertedRowID
        }
        nodeIDs[node] = id
        nodeKeys[id] = node
        return id
    }

    /// The row id of `node`, or nil if the database has never seen it
    /// (usable in read transactions).
    mutating func knownNodeRowID(_ node: NodeID) throws(StoreError) -> Int64? {
        if let id = nodeIDs[node] { return id }
        let key = Data(node.bytes)
        let id = try run { try Int64.fetchOne(db, sql: "SELECT id FROM node WHERE key = ?", arguments: [key]) }
        if let id {
            nodeIDs[node] = id
            nodeKeys[id] = node
        }
        return id
    }

    mutating func node(forRowID id: Int64) throws(StoreError) -> NodeID {
        if let node = nodeKeys[id] { return node }
        let data = try run { try Data.fetchOne(db, sql: "SELECT key FROM node WHERE id = ?", arguments: [id]) }
        guard let data, let node = try? NodeID(bytes: [UInt8](data)) else {
            throw StoreError.malformedRow(path: path, table: "node", detail: "node \(id) has no valid 32-byte key")
        }
        nodeIDs[node] = id
        nodeKeys[id] = node
        return node
    }

    mutating func collectionRowID(_ name: String, create: Bool) throws(StoreError) -> Int64? {
        if let id = collectionIDs[name] { return id }
        let id: Int64? = try run {
            if let existing = try Int64.fetchOne(
                db, sql: "SELECT id FROM collection WHERE name = CAST(? AS TEXT)", arguments: [SQLText(name)]) {
                return existing
            }
            guard create else { return nil }
            try db.execute(sql: "INSERT INTO collection (name) VALUES (CAST(? AS TEXT))", arguments: [SQLText(name)])
            return db.lastInsertedRowID
        }
        if let id { collectionIDs[name] = id }
        return id
    }

    // MARK: Vectors (contexts, batch vectors)

    /// Reads a causal context stored one row per node (prefix and cloud bytes).
    mutating func readVector(sql: String, arguments: StatementArguments, table: String) throws(StoreError) -> CausalContext {
        let rows = try run { try Row.fetchAll(db, sql: sql, arguments: arguments) }
        var context = CausalContext()
        for row in rows {
            let nodeRow: Int64 = row[0]
            let prefix: Int64 = row[1]
            let cloud: Data = row[2]
            let node = try node(forRowID: nodeRow)
            do {
                let dots = try CausalContext.NodeDots(prefix: UInt64(bitPattern: prefix), cloudBytes: [UInt8](cloud))
                context.replace(node, with: dots)
            } catch {
                throw StoreError.malformedRow(path: path, table: table, detail: "\(error)")
            }
        }
        return context
    }

    // Batch vectors (`vector`, `vector_range`): SQLiteRows-Vectors.swift.

    // MARK: RecordRows

    mutating func context(of collection: String) throws(StoreError) -> CausalContext {
        guard let collectionID = try collectionRowID(collection, create: false) else { return CausalContext() }
        return try readVector(
            sql: "SELECT node_id, prefix, cloud FROM context WHERE collection_id = ?", arguments: [collectionID], table: "context")
    }

    mutating func saveContext(_ context: CausalContext, nodes: some Sequence<NodeID>, of collection: String) throws(StoreError) {
        guard let collectionID = try collectionRowID(collection, create: true) else { return }
        for node in nodes {
            let nodeID = try nodeRowID(node)
            let dots = context.nodes[node] ?? CausalContext.NodeDots()
            try run {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO context (collection_id, node_id, prefix, cloud) VALUES (?, ?, ?, ?)",
                    arguments: [collectionID, nodeID, Int64(bitPattern: dots.prefix), Data(dots.cloudBytes)])
            }
        }
    }

    mutating func records(_ ids: Set<String>, in collection: String) throws(StoreError) -> [String: RecordStore] {
        guard let collectionID = try collectionRowID(collection, create: false) else { return [:] }
        var found: [String: RecordStore] = [:]
        for id in ids {
            if let store = try record(id, collectionID: collectionID) { found[id] = store }
        }
        return found
    }

    /// One record's rows, rebuilt.
    mutating func record(_ id: String, collectionID: Int64) throws(StoreError) -> RecordStore? {
        let statement = try statement(.readRecord)
        defer { statement.reset() }
        try sql { () throws(DatabaseError) in
            try statement.bind(1, collectionID)
            try statement.bind(2, text: id)
        }
        var entries: [EntryRow] = []
        while try sql({ () throws(DatabaseError) in try statement.step() }) {
            entries.append(try entryRow(statement))
        }
        if entries.isEmpty { return nil }
        do {
            return try RecordStore(rows: entries)
        } catch {
            throw StoreError.malformedRow(path: path, table: "entry", detail: "record \(id): \(error)")
        }
    }

    /// The entry at the current row of a `.readRecord` statement.
    private mutating func entryRow(_ statement: RawStatement) throws(StoreError) -> EntryRow {
        let nodeRow = statement.int64(0)
        let counter = statement.int64(1)
        let kindRaw = statement.int64(2)
        let dot = Dot(node: try node(forRowID: nodeRow), counter: UInt64(bitPattern: counter))
        guard let kind = EntryRow.Kind(rawValue: kindRaw) else {
            throw StoreError.malformedRow(path: path, table: "entry", detail: "entry \(dot) has unknown kind \(kindRaw)")
        }
        return EntryRow(
            dot: dot, kind: kind, name: statement.isNull(3) ? nil : statement.string(3),
            element: try value(statement, column: 4, dot: dot),
            timestamp: statement.isNull(5) ? nil : HLCTimestamp(rawValue: UInt64(bitPattern: statement.int64(5))),
            value: try value(statement, column: 6, dot: dot))
    }

    private func value(_ statement: RawStatement, column: Int32, dot: Dot) throws(StoreError) -> Value? {
        if statement.isNull(column) { return nil }
        do {
            return try Value(canonicalBytes: statement.bytes(column))
        } catch {
            throw StoreError.malformedRow(path: path, table: "entry", detail: "entry \(dot): \(error)")
        }
    }

    mutating func recordIDs(holdingDotsOf node: NodeID, in range: ClosedRange<UInt64>, collection: String) throws(StoreError) -> Set<String> {
        guard let collectionID = try collectionRowID(collection, create: false),
              let nodeID = try knownNodeRowID(node) else { return [] }
        let statement = try statement(.recordIDsHoldingDots)
        defer { statement.reset() }
        return try sql { () throws(DatabaseError) in
            try statement.bind(1, collectionID)
            try statement.bind(2, nodeID)
            try statement.bind(3, Int64(bitPattern: range.lowerBound))
            try statement.bind(4, Int64(bitPattern: min(range.upperBound, UInt64(Int64.max))))
            var ids: Set<String> = []
            while try statement.step() { ids.insert(statement.string(0)) }
            return ids
        }
    }

    mutating func writeRecord(_ id: String, from before: RecordStore?, to after: RecordStore?, in collection: String) throws(StoreError) {
        guard let collectionID = try collectionRowID(collection, create: true) else { return }
        try updateDigests(id, from: before, to: after, collectionID: collectionID)
        let oldRows = before?.rows ?? []
        let newRows = after?.rows ?? []
        var old: [Dot: EntryRow] = [:]
        old.reserveCapacity(oldRows.count)
        for row in oldRows { old[row.dot] = row }
        var new: [Dot: EntryRow] = [:]
        new.reserveCapacity(newRows.count)
        for row in newRows { new[row.dot] = row }
        // Rows are sorted by dot, so the statements run in a stable order.
        for row in oldRows where new[row.dot] != row {
            let nodeID = try nodeRowID(row.dot.node)
            let statement = try statement(.deleteEntry)
            try sql { () throws(DatabaseError) in
                try statement.bind(1, collectionID)
                try statement.bind(2, text: id)
                try statement.bind(3, nodeID)
                try statement.bind(4, Int64(bitPattern: row.dot.counter))
                try statement.run()
            }
        }
        for row in newRows where old[row.dot] != row {
            let nodeID = try nodeRowID(row.dot.node)
            let statement = try statement(.insertEntry)
            try sql { () throws(DatabaseError) in
                try statement.bind(1, collectionID)
                try statement.bind(2, nodeID)
                try statement.bind(3, Int64(bitPattern: row.dot.counter))
                try statement.bind(4, text: id)
                try statement.bind(5, row.kind.rawValue)
                try statement.bind(6, text: row.name)
                try statement.bind(7, bytes: row.element?.canonicalBytes)
                if let timestamp = row.timestamp {
                    try statement.bind(8, Int64(bitPattern: timestamp.rawValue))
                } else {
                    try statement.bindNull(8)
                }
                try statement.bind(9, bytes: row.value?.canonicalBytes)
                try statement.run()
            }
        }
    }

    // MARK: Reconciliation digests

    /// Keeps `record_leaf` and `leaf_digest` in step with a record write.
    private mutating func updateDigests(_ id: String, from before: RecordStore?, to after: RecordStore?, collectionID: Int64) throws(StoreError) {
        let leaf = Int64(DigestReconciliation.leaf(of: id))
        let old = before.map { DigestReconciliation.digest(of: id, $0) }
        let new = after.map { DigestReconciliation.digest(of: id, $0) }
        if old == new { return }
        let read = try statement(.readLeafDigest)
        let current: (count: Int64, digest: Int64)? = try sql { () throws(DatabaseError) in
            defer { read.reset() }
            try read.bind(1, collectionID)
            try read.bind(2, leaf)
            return try read.step() ? (read.int64(0), read.int64(1)) : nil
        }
        var count = UInt64(bitPattern: current?.count ?? 0)
        var digest = UInt64(bitPattern: current?.digest ?? 0)
        if let old {
            count &-= 1
            digest &-= old
        }
        if let new {
            count &+= 1
            digest &+= new
        }
        let write = try statement(.writeLeafDigest)
        try sql { () throws(DatabaseError) in
            try write.bind(1, collectionID)
            try write.bind(2, leaf)
            try write.bind(3, Int64(bitPattern: count))
            try write.bind(4, Int64(bitPattern: digest))
            try write.run()
        }
        if before == nil, after != nil {
            let insert = try statement(.insertRecordLeaf)
            try sql { () throws(DatabaseError) in
                try insert.bind(1, collectionID)
                try insert.bind(2, text: id)
                try insert.bind(3, leaf)
                try insert.run()
            }
        } else if before != nil, after == nil {
            let delete = try statement(.deleteRecordLeaf)
            try sql { () throws(DatabaseError) in
                try delete.bind(1, collectionID)
                try delete.bind(2, text: id)
                try delete.run()
            }
        }
    }

    /// Count and digest per leaf bucket of `collection`.
    mutating func leafDigests(_ collection: String) throws(StoreError) -> [UInt16: (count: UInt64, digest: UInt64)] {
        guard let collectionID = try collectionRowID(collection, create: false) else { return [:] }
        let rows = try run {
            try Row.fetchAll(db, sql: "SELECT leaf, count, digest FROM leaf_digest WHERE collection_id = ? AND count != 0", arguments: [collectionID])
        }
        var result: [UInt16: (count: UInt64, digest: UInt64)] = [:]
        for row in rows {
            let leaf: Int64 = row[0]
            let count: Int64 = row[1]
            let digest: Int64 = row[2]
            result[UInt16(truncatingIfNeeded: leaf)] = (UInt64(bitPattern: count), UInt64(bitPattern: digest))
        }
        return result
    }

    /// The records of `collection` whose leaf bucket is in `leaves`.
    mutating func records(_ collection: String, inLeaves leaves: ClosedRange<UInt16>) throws(StoreError) -> [String: RecordStore] {
        guard let collectionID = try collectionRowID(collection, create: false) else { return [:] }
        let ids = try run {
            try Data.fetchAll(
                db, sql: "SELECT CAST(record AS BLOB) FROM record_leaf WHERE collection_id = ? AND leaf BETWEEN ? AND ?",
                arguments: [collectionID, Int64(leaves.lowerBound), Int64(leaves.upperBound)])
        }.map { String(sqlBytes: $0) }
        var result: [String: RecordStore] = [:]
        for id in ids {
            if let store = try record(id, collectionID: collectionID) { result[id] = store }
        }
        return result
    }

    // MARK: Errors

    /// Runs a GRDB call, mapping its errors to `StoreError`.
    func run<T>(_ body: () throws -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch {
            throw SQLiteStore.storeError(error, path: path)
        }
    }
}
