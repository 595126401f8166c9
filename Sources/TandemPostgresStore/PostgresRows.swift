import NIOCore
import PostgresNIO
import TandemCore
import TandemStore

/// `RecordRows` and the other row-level operations of `PostgresStore`,
/// inside one transaction: the same tables and the same statements as
/// `SQLiteStore`'s (strings are stored as their UTF-8 bytes in `bytea`
/// columns, so order is byte order whatever the database's collation, and
/// any string a Swift value can hold round-trips). Node and collection row
/// ids are interned; those a rolled-back transaction created are forgotten
/// with it (`PostgresSession` keeps only committed ones).
struct PostgresRows: RecordRows {
    let link: PostgresLink
    var interned: PostgresSession.Interned
    /// Row writes of `writeRecord` not sent yet (`flushWrites`).
    var pending = PendingRowWrites()

    init(link: PostgresLink, interned: PostgresSession.Interned) {
        self.link = link
        self.interned = interned
    }

    var label: String { link.session.label }

    // MARK: Decoding

    /// The columns of `row`, or a `malformedRow` error naming `table`.
    func decode<each Column: PostgresDecodable>(
        _ row: PostgresRow, _ type: (repeat each Column).Type, table: String
    ) throws(StoreError) -> (repeat each Column) {
        do {
            return try row.decode(type, context: .default)
        } catch {
            throw StoreError.malformedRow(path: label, table: table, detail: "\(error)")
        }
    }

    static func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }
    static func string(_ buffer: ByteBuffer) -> String { String(decoding: buffer.readableBytesView, as: UTF8.self) }

    // MARK: Interning

    mutating func nodeRowID(_ node: NodeID) throws(StoreError) -> Int64 {
        if let id = try knownNodeRowID(node) { return id }
        let rows = try link.query("INSERT INTO node (key) VALUES ($1) RETURNING id", [.bytes(node.bytes)])
        guard let row = rows.first else { throw StoreError.database(path: label, detail: "INSERT INTO node returned no id") }
        let id = try decode(row, Int64.self, table: "node")
        interned.nodeIDs[node] = id
        interned.nodeKeys[id] = node
        return id
    }

    /// The row id of `node`, or nil if the database has never seen it.
    mutating func knownNodeRowID(_ node: NodeID) throws(StoreError) -> Int64? {
        if let id = interned.nodeIDs[node] { return id }
        guard let row = try link.query("SELECT id FROM node WHERE key = $1", [.bytes(node.bytes)]).first else { return nil }
        let id = try decode(row, Int64.self, table: "node")
        interned.nodeIDs[node] = id
        interned.nodeKeys[id] = node
        return id
    }

    mutating func node(forRowID id: Int64) throws(StoreError) -> NodeID {
        if let node = interned.nodeKeys[id] { return node }
        guard let row = try link.query("SELECT key FROM node WHERE id = $1", [.int(id)]).first,
              let node = try? NodeID(bytes: Self.bytes(try decode(row, ByteBuffer.self, table: "node"))) else {
            throw StoreError.malformedRow(path: label, table: "node", detail: "node \(id) has no valid 32-byte key")
        }
        interned.nodeIDs[node] = id
        interned.nodeKeys[id] = node
        return node
    }

    mutating func collectionRowID(_ name: String, create: Bool) throws(StoreError) -> Int64? {
        let key = Array(name.utf8)
        if let id = interned.collectionIDs[key] { return id }
        var row = try link.query("SELECT id FROM collection WHERE name = $1", [.bytes(key)]).first
        if row == nil, create {
            row = try link.query("INSERT INTO collection (name) VALUES ($1) RETURNING id", [.bytes(key)]).first
        }
        guard let row else { return nil }
        let id = try decode(row, Int64.self, table: "collection")
        interned.collectionIDs[key] = id
        return id
    }

    // MARK: RecordRows

    mutating func context(of collection: String) throws(StoreError) -> CausalContext {
        guard let collectionID = try collectionRowID(collection, create: false) else { return CausalContext() }
        let rows = try link.query("SELECT node_id, prefix, cloud FROM context WHERE collection_id = $1", [.int(collectionID)])
        var context = CausalContext()
        for row in rows {
            let (nodeRow, prefix, cloud) = try decode(row, (Int64, Int64, ByteBuffer).self, table: "context")
            let node = try node(forRowID: nodeRow)
            do {
                context.replace(node, with: try CausalContext.NodeDots(prefix: UInt64(bitPattern: prefix), cloudBytes: Self.bytes(cloud)))
            } catch {
                throw StoreError.malformedRow(path: label, table: "context", detail: "\(error)")
            }
        }
        return context
    }

    mutating func saveContext(_ context: CausalContext, nodes: some Sequence<NodeID>, of collection: String) throws(StoreError) {
        guard let collectionID = try collectionRowID(collection, create: true) else { return }
        for node in nodes {
            let nodeID = try nodeRowID(node)
            let dots = context.nodes[node] ?? CausalContext.NodeDots()
            try link.execute(
                """
                INSERT INTO context (collection_id, node_id, prefix, cloud) VALUES ($1, $2, $3, $4)
                ON CONFLICT (collection_id, node_id) DO UPDATE SET prefix = excluded.prefix, cloud = excluded.cloud
                """,
                [.int(collectionID), .int(nodeID), .int(Int64(bitPattern: dots.prefix)), .bytes(dots.cloudBytes)])
        }
    }

    mutating func records(_ ids: Set<String>, in collection: String) throws(StoreError) -> [String: RecordStore] {
        guard let collectionID = try collectionRowID(collection, create: false), !ids.isEmpty else { return [:] }
        // One round trip for all of them: the ids as one binary bytea array.
        let rows = try link.query(
            """
            SELECT record, node_id, counter, kind, name, element, timestamp, value FROM entry
            WHERE collection_id = $1 AND record = ANY($2) ORDER BY record
            """,
            [.int(collectionID), .byteaArray(ids.map { Array($0.utf8) })])
        var grouped: [String: [EntryRow]] = [:]
        for row in rows {
            let (record, entry) = try entryRow(row)
            grouped[record, default: []].append(entry)
        }
        var found: [String: RecordStore] = [:]
        for (id, entries) in grouped {
            do {
                found[id] = try RecordStore(rows: entries)
            } catch {
                throw StoreError.malformedRow(path: label, table: "entry", detail: "record \(id): \(error)")
            }
        }
        return found
    }

    /// One record's rows, rebuilt.
    mutating func record(_ id: String, collectionID: Int64) throws(StoreError) -> RecordStore? {
        let rows = try link.query(
            """
            SELECT record, node_id, counter, kind, name, element, timestamp, value FROM entry
            WHERE collection_id = $1 AND record = $2
            """,
            [.int(collectionID), .utf8(id)])
        if rows.isEmpty { return nil }
        var entries: [EntryRow] = []
        for row in rows { entries.append(try entryRow(row).entry) }
        do {
            return try RecordStore(rows: entries)
        } catch {
            throw StoreError.malformedRow(path: label, table: "entry", detail: "record \(id): \(error)")
        }
    }

    /// The record id and entry of a row of `entry`.
    private mutating func entryRow(_ row: PostgresRow) throws(StoreError) -> (record: String, entry: EntryRow) {
        let (record, nodeRow, counter, kindRaw, name, element, timestamp, value) = try decode(
            row, (ByteBuffer, Int64, Int64, Int64, ByteBuffer?, ByteBuffer?, Int64?, ByteBuffer?).self, table: "entry")
        let dot = Dot(node: try node(forRowID: nodeRow), counter: UInt64(bitPattern: counter))
        guard let kind = EntryRow.Kind(rawValue: kindRaw) else {
            throw StoreError.malformedRow(path: label, table: "entry", detail: "entry \(dot) has unknown kind \(kindRaw)")
        }
        func decodedValue(_ buffer: ByteBuffer?) throws(StoreError) -> Value? {
            guard let buffer else { return nil }
            do {
                return try Value(canonicalBytes: Self.bytes(buffer))
            } catch {
                throw StoreError.malformedRow(path: label, table: "entry", detail: "entry \(dot): \(error)")
            }
        }
        let entry = EntryRow(
            dot: dot, kind: kind, name: name.map(Self.string), element: try decodedValue(element),
            timestamp: timestamp.map { HLCTimestamp(rawValue: UInt64(bitPattern: $0)) }, value: try decodedValue(value))
        return (Self.string(record), entry)
    }

    mutating func recordIDs(holdingDotsOf node: NodeID, in range: ClosedRange<UInt64>, collection: String) throws(StoreError) -> Set<String> {
        guard let collectionID = try collectionRowID(collection, create: false),
              let nodeID = try knownNodeRowID(node) else { return [] }
        let rows = try link.query(
            "SELECT DISTINCT record FROM entry WHERE collection_id = $1 AND node_id = $2 AND counter BETWEEN $3 AND $4",
            [.int(collectionID), .int(nodeID), .int(Int64(bitPattern: range.lowerBound)),
             .int(Int64(bitPattern: min(range.upperBound, UInt64(Int64.max))))])
        var ids: Set<String> = []
        for row in rows { ids.insert(Self.string(try decode(row, ByteBuffer.self, table: "entry"))) }
        return ids
    }

    /// Buffers the record's changed entry rows and its digest change;
    /// `flushWrites` sends them, for every record of the commit together.
    mutating func writeRecord(_ id: String, from before: RecordStore?, to after: RecordStore?, in collection: String) throws(StoreError) {
        guard let collectionID = try collectionRowID(collection, create: true) else { return }
        bufferDigests(id, from: before, to: after, collectionID: collectionID)
        let oldRows = before?.rows ?? []
        let newRows = after?.rows ?? []
        var old: [Dot: EntryRow] = [:]
        for row in oldRows { old[row.dot] = row }
        var new: [Dot: EntryRow] = [:]
        for row in newRows { new[row.dot] = row }
        for row in oldRows where new[row.dot] != row {
            pending.entryDeletes.append(PendingRowWrites.EntryKey(
                collectionID: collectionID, record: id, nodeID: try nodeRowID(row.dot.node),
                counter: Int64(bitPattern: row.dot.counter)))
        }
        for row in newRows where old[row.dot] != row {
            pending.entryInserts.append([
                .int(collectionID), .int(try nodeRowID(row.dot.node)), .int(Int64(bitPattern: row.dot.counter)),
                .utf8(id), .int(row.kind.rawValue), .optionalBytes(row.name),
                row.element.map { .bytes($0.canonicalBytes) } ?? .null,
                row.timestamp.map { .int(Int64(bitPattern: $0.rawValue)) } ?? .null,
                row.value.map { .bytes($0.canonicalBytes) } ?? .null,
            ])
        }
    }

    /// Sends the buffered writes: entry deletes, then entry inserts, then
    /// the leaf digests and record leaves, each as multi-row statements.
    mutating func flushWrites() throws(StoreError) {
        guard !pending.isEmpty else { return }
        let writes = pending
        pending = PendingRowWrites()
        try writes.send(on: link, decode: { row throws(StoreError) in try decode(row, (Int64, Int64, Int64).self, table: "leaf_digest") })
    }

    // MARK: Reconciliation digests

    /// Buffers what a record write changes in `record_leaf` and `leaf_digest`.
    private mutating func bufferDigests(_ id: String, from before: RecordStore?, to after: RecordStore?, collectionID: Int64) {
        let leaf = Int64(DigestReconciliation.leaf(of: id))
        let old = before.map { DigestReconciliation.digest(of: id, $0) }
        let new = after.map { DigestReconciliation.digest(of: id, $0) }
        if old == new { return }
        pending.addDigest(collectionID: collectionID, leaf: leaf, removing: old, adding: new)
        if before == nil, after != nil {
            pending.recordLeaves[PendingRowWrites.RecordKey(collectionID: collectionID, record: id)] = leaf
        } else if before != nil, after == nil {
            pending.recordLeaves[PendingRowWrites.RecordKey(collectionID: collectionID, record: id)] = nil
            pending.recordLeafDeletes.insert(PendingRowWrites.RecordKey(collectionID: collectionID, record: id))
        }
    }

    /// Count and digest per leaf bucket of `collection`.
    mutating func leafDigests(_ collection: String) throws(StoreError) -> [UInt16: (count: UInt64, digest: UInt64)] {
        guard let collectionID = try collectionRowID(collection, create: false) else { return [:] }
        let rows = try link.query(
            "SELECT leaf, count, digest FROM leaf_digest WHERE collection_id = $1 AND count <> 0", [.int(collectionID)])
        var result: [UInt16: (count: UInt64, digest: UInt64)] = [:]
        for row in rows {
            let (leaf, count, digest) = try decode(row, (Int64, Int64, Int64).self, table: "leaf_digest")
            result[UInt16(truncatingIfNeeded: leaf)] = (UInt64(bitPattern: count), UInt64(bitPattern: digest))
        }
        return result
    }

    /// The records of `collection` whose leaf bucket is in `leaves`.
    mutating func records(_ collection: String, inLeaves leaves: ClosedRange<UInt16>) throws(StoreError) -> [String: RecordStore] {
        guard let collectionID = try collectionRowID(collection, create: false) else { return [:] }
        let rows = try link.query(
            "SELECT record FROM record_leaf WHERE collection_id = $1 AND leaf BETWEEN $2 AND $3",
            [.int(collectionID), .int(Int64(leaves.lowerBound)), .int(Int64(leaves.upperBound))])
        var ids: Set<String> = []
        for row in rows { ids.insert(Self.string(try decode(row, ByteBuffer.self, table: "record_leaf"))) }
        return try records(ids, in: collection)
    }
}
