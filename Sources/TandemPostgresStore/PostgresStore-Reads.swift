// PostgresStore: reads of committed state (summary, records, collections, digests, audit, adapter cursors and keys).
import NIOCore
public import TandemCore
public import TandemStore

extension PostgresStore {
    public func summary() throws(StoreError) -> StoreSummary {
        try read { rows throws(StoreError) in
            var clock: Int64 = 0
            if let row = try rows.link.query("SELECT clock FROM node_meta WHERE id = 1").first {
                clock = try rows.decode(row, Int64.self, table: "node_meta")
            }
            return StoreSummary(
                node: node,
                batches: try rows.readVector(owner: VectorOwner.held),
                compacted: try rows.readVector(owner: VectorOwner.compacted),
                clock: HLCTimestamp(rawValue: UInt64(bitPattern: clock)))
        }
    }

    public func workingSet(_ collection: String, records ids: [String]) throws(StoreError) -> RecordCollection {
        try read { rows throws(StoreError) in
            let context = try rows.context(of: collection)
            // Rows hold ids in normal form C, as the core does (`Identifier`).
            let spelled = Set(ids.map(Identifier.normalized))
            return RecordCollection(trusted: try rows.records(spelled, in: collection), context: context)
        }
    }

    public func record(_ collection: String, _ id: String) throws(StoreError) -> RecordStore? {
        try read { rows throws(StoreError) in
            guard let collectionID = try rows.collectionRowID(collection, create: false) else { return nil }
            return try rows.record(Identifier.normalized(id), collectionID: collectionID)
        }
    }

    public func records(_ collection: String, after: String?, limit: Int) throws(StoreError) -> [(id: String, store: RecordStore)] {
        try read { rows throws(StoreError) in
            guard let collectionID = try rows.collectionRowID(collection, create: false), limit > 0 else { return [] }
            let found = try rows.link.query(
                """
                SELECT DISTINCT record FROM entry WHERE collection_id = $1 AND record > $2
                ORDER BY record LIMIT $3
                """,
                [.int(collectionID), .utf8(after ?? ""), .int(Int64(min(limit, Int(Int64.max))))])
            var ids: [String] = []
            for row in found { ids.append(PostgresRows.string(try rows.decode(row, ByteBuffer.self, table: "entry"))) }
            let stores = try rows.records(Set(ids), in: collection)
            return ids.compactMap { id in stores[id].map { (id, $0) } }
        }
    }

    public func collections() throws(StoreError) -> [String] {
        try read { rows throws(StoreError) in
            var names: [String] = []
            for row in try rows.link.query("SELECT name FROM collection ORDER BY name") {
                names.append(PostgresRows.string(try rows.decode(row, ByteBuffer.self, table: "collection")))
            }
            return names
        }
    }

    public func leafDigests(_ collection: String) throws(StoreError) -> [UInt16: (count: UInt64, digest: UInt64)] {
        try read { rows throws(StoreError) in try rows.leafDigests(collection) }
    }

    public func records(_ collection: String, inLeaves leaves: ClosedRange<UInt16>) throws(StoreError) -> [String: RecordStore] {
        try read { rows throws(StoreError) in try rows.records(collection, inLeaves: leaves) }
    }

    public func auditEvents(after: Int64, limit: Int) throws(StoreError) -> [AuditRecord] {
        try read { rows throws(StoreError) in
            guard limit > 0 else { return [] }
            let found = try rows.link.query(
                "SELECT id, at, kind, collection, record, node, detail FROM audit WHERE id > $1 ORDER BY id LIMIT $2",
                [.int(after), .int(Int64(min(limit, Int(Int64.max))))])
            var result: [AuditRecord] = []
            for row in found {
                let (id, at, kindName, collection, record, node, detail) = try rows.decode(
                    row, (Int64, Int64, String, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer).self, table: "audit")
                guard let kind = AuditEvent.Kind(rawValue: kindName) else {
                    throw StoreError.malformedRow(path: location.description, table: "audit", detail: "unknown kind \(kindName)")
                }
                result.append(AuditRecord(id: id, event: AuditEvent(
                    at: UInt64(bitPattern: at), kind: kind,
                    collection: collection.map(PostgresRows.string), record: record.map(PostgresRows.string),
                    node: node.flatMap { try? NodeID(bytes: PostgresRows.bytes($0)) }, detail: PostgresRows.string(detail))))
            }
            return result
        }
    }

    public func adapterCursor(_ adapter: String) throws(StoreError) -> [UInt8]? {
        try read { rows throws(StoreError) in
            guard let row = try rows.link.query("SELECT cursor FROM adapter_cursor WHERE adapter = $1", [.utf8(adapter)]).first else {
                return nil
            }
            return PostgresRows.bytes(try rows.decode(row, ByteBuffer.self, table: "adapter_cursor"))
        }
    }

    public func recordID(adapter: String, collection: String, externalKey: String) throws(StoreError) -> String? {
        try read { rows throws(StoreError) in
            guard let row = try rows.link.query(
                "SELECT record FROM external_key WHERE adapter = $1 AND collection = $2 AND external_key = $3",
                [.utf8(adapter), .utf8(collection), .utf8(externalKey)]).first else { return nil }
            return PostgresRows.string(try rows.decode(row, ByteBuffer.self, table: "external_key"))
        }
    }
}
