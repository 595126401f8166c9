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

    init(db: Database, path: String) {
        self.db = db
        self.path = path
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

    /// Reads a vector stored one row per node.
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

    mutating func readVector(owner: String) throws(StoreError) -> BatchVector {
        BatchVector(held: try readVector(
            sql: "SELECT origin_id, prefix, cloud FROM vector WHERE owner = ?", arguments: [owner], table: "vector"))
    }

    mutating func writeVector(_ vector: BatchVector, owner: String, origins: some Sequence<NodeID>) throws(StoreError) {
        for origin in origins {
            let id = try nodeRowID(origin)
            let dots = vector.held.nodes[origin] ?? CausalContext.NodeDots()
            try run {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO vector (owner, origin_id, prefix, cloud) VALUES (?, ?, ?, ?)",
                    arguments: [owner, id, Int64(bitPattern: dots.prefix), Data(dots.cloudBytes)])
            }
        }
    }

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
        let rows = try run {
            try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT node_id, counter, kind, CAST(name AS BLOB), element, timestamp, value
                    FROM entry WHERE collection_id = ? AND record = CAST(? AS TEXT)
                    """),
                arguments: [collectionID, SQLText(id)])
        }
        if rows.isEmpty { return nil }
        var entries: [EntryRow] = []
        entries.reserveCapacity(rows.count)
        for row in rows { entries.append(try entryRow(row)) }
        do {
            return try RecordStore(rows: entries)
        } catch {
            throw StoreError.malformedRow(path: path, table: "entry", detail: "record \(id): \(error)")
        }
    }

    private mutating func entryRow(_ row: Row) throws(StoreError) -> EntryRow {
        let nodeRow: Int64 = row[0]
        let counter: Int64 = row[1]
        let kindRaw: Int64 = row[2]
        let dot = Dot(node: try node(forRowID: nodeRow), counter: UInt64(bitPattern: counter))
        guard let kind = EntryRow.Kind(rawValue: kindRaw) else {
            throw StoreError.malformedRow(path: path, table: "entry", detail: "entry \(dot) has unknown kind \(kindRaw)")
        }
        let timestamp: Int64? = row[5]
        let name: Data? = row[3]
        return EntryRow(
            dot: dot, kind: kind, name: name.map(String.init(sqlBytes:)),
            element: try value(row[4], dot: dot),
            timestamp: timestamp.map { HLCTimestamp(rawValue: UInt64(bitPattern: $0)) },
            value: try value(row[6], dot: dot))
    }

    private func value(_ data: Data?, dot: Dot) throws(StoreError) -> Value? {
        guard let data else { return nil }
        do {
            return try Value(canonicalBytes: [UInt8](data))
        } catch {
            throw StoreError.malformedRow(path: path, table: "entry", detail: "entry \(dot): \(error)")
        }
    }

    mutating func recordIDs(holdingDotsOf node: NodeID, in range: ClosedRange<UInt64>, collection: String) throws(StoreError) -> Set<String> {
        guard let collectionID = try collectionRowID(collection, create: false),
              let nodeID = try knownNodeRowID(node) else { return [] }
        let ids = try run {
            try Data.fetchAll(
                db.cachedStatement(sql: """
                    SELECT DISTINCT record FROM entry
                    WHERE collection_id = ? AND node_id = ? AND counter BETWEEN ? AND ?
                    """),
                arguments: [collectionID, nodeID, Int64(bitPattern: range.lowerBound), Int64(bitPattern: min(range.upperBound, UInt64(Int64.max)))])
        }
        return Set(ids.map(String.init(sqlBytes:)))
    }

    mutating func writeRecord(_ id: String, from before: RecordStore?, to after: RecordStore?, in collection: String) throws(StoreError) {
        guard let collectionID = try collectionRowID(collection, create: true) else { return }
        try updateDigests(id, from: before, to: after, collectionID: collectionID)
        var old: [Dot: EntryRow] = [:]
        for row in before?.rows ?? [] { old[row.dot] = row }
        var new: [Dot: EntryRow] = [:]
        for row in after?.rows ?? [] { new[row.dot] = row }
        for (dot, row) in old where new[dot] != row {
            let nodeID = try nodeRowID(dot.node)
            try run {
                try db.cachedStatement(sql: "DELETE FROM entry WHERE collection_id = ? AND record = ? AND node_id = ? AND counter = ?")
                    .execute(arguments: [collectionID, id, nodeID, Int64(bitPattern: dot.counter)])
            }
        }
        for (dot, row) in new where old[dot] != row {
            let nodeID = try nodeRowID(dot.node)
            try run {
                try db.cachedStatement(sql: """
                    INSERT INTO entry (collection_id, node_id, counter, record, kind, name, element, timestamp, value)
                    VALUES (?, ?, ?, CAST(? AS TEXT), ?, CAST(? AS TEXT), ?, ?, ?)
                    """)
                    .execute(arguments: [
                        collectionID, nodeID, Int64(bitPattern: dot.counter), SQLText(id), row.kind.rawValue,
                        row.name.map(SQLText.init),
                        row.element.map { Data($0.canonicalBytes) },
                        row.timestamp.map { Int64(bitPattern: $0.rawValue) },
                        row.value.map { Data($0.canonicalBytes) },
                    ])
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
        let current = try run {
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT count, digest FROM leaf_digest WHERE collection_id = ? AND leaf = ?"),
                arguments: [collectionID, leaf])
        }
        var count = UInt64(bitPattern: current?[0] ?? 0)
        var digest = UInt64(bitPattern: current?[1] ?? 0)
        if let old {
            count &-= 1
            digest &-= old
        }
        if let new {
            count &+= 1
            digest &+= new
        }
        try run {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO leaf_digest (collection_id, leaf, count, digest) VALUES (?, ?, ?, ?)")
                .execute(arguments: [collectionID, leaf, Int64(bitPattern: count), Int64(bitPattern: digest)])
            if before == nil, after != nil {
                try db.cachedStatement(sql: "INSERT OR REPLACE INTO record_leaf (collection_id, record, leaf) VALUES (?, CAST(? AS TEXT), ?)")
                    .execute(arguments: [collectionID, SQLText(id), leaf])
            } else if before != nil, after == nil {
                try db.cachedStatement(sql: "DELETE FROM record_leaf WHERE collection_id = ? AND record = CAST(? AS TEXT)")
                    .execute(arguments: [collectionID, SQLText(id)])
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
