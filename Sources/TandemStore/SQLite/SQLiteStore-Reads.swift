// SQLiteStore: reads of committed state (summary, records, collections, digests, audit, adapter cursors and keys).
import Foundation
import GRDB
public import TandemCore

extension SQLiteStore {
    public func summary() throws(StoreError) -> StoreSummary {
        try read { rows in
            let clock = try rows.run { try Int64.fetchOne(rows.db, sql: "SELECT clock FROM node_meta WHERE id = 1") } ?? 0
            return StoreSummary(
                node: node,
                batches: try rows.readVector(owner: VectorOwner.held),
                compacted: try rows.readVector(owner: VectorOwner.compacted),
                clock: HLCTimestamp(rawValue: UInt64(bitPattern: clock)))
        }
    }

    public func workingSet(_ collection: String, records ids: [String]) throws(StoreError) -> RecordCollection {
        try read { rows in
            let context = try rows.context(of: collection)
            // Rows hold ids in normal form C, as the core does, and SQLite
            // compares them by bytes: look up that spelling (`Identifier`).
            let spelled = Set(ids.map(Identifier.normalized))
            return RecordCollection(trusted: try rows.records(spelled, in: collection), context: context)
        }
    }

    public func record(_ collection: String, _ id: String) throws(StoreError) -> RecordStore? {
        try read { rows in
            guard let collectionID = try rows.collectionRowID(collection, create: false) else { return nil }
            return try rows.record(Identifier.normalized(id), collectionID: collectionID)
        }
    }

    public func records(_ collection: String, after: String?, limit: Int) throws(StoreError) -> [(id: String, store: RecordStore)] {
        try read { rows in
            guard let collectionID = try rows.collectionRowID(collection, create: false) else { return [] }
            let ids = try rows.run {
                try Data.fetchAll(
                    rows.db,
                    sql: """
                        SELECT DISTINCT record FROM entry WHERE collection_id = ? AND record > CAST(? AS TEXT)
                        ORDER BY record LIMIT ?
                        """,
                    arguments: [collectionID, SQLText(after ?? ""), max(limit, 0)])
            }.map(String.init(sqlBytes:))
            var result: [(id: String, store: RecordStore)] = []
            for id in ids {
                if let store = try rows.record(id, collectionID: collectionID) { result.append((id, store)) }
            }
            return result
        }
    }

    public func collections() throws(StoreError) -> [String] {
        try read { rows in
            try rows.run { try Data.fetchAll(rows.db, sql: "SELECT name FROM collection ORDER BY name") }
                .map(String.init(sqlBytes:))
        }
    }

    public func leafDigests(_ collection: String) throws(StoreError) -> [UInt16: (count: UInt64, digest: UInt64)] {
        try read { rows in try rows.leafDigests(collection) }
    }

    public func records(_ collection: String, inLeaves leaves: ClosedRange<UInt16>) throws(StoreError) -> [String: RecordStore] {
        try read { rows in try rows.records(collection, inLeaves: leaves) }
    }

    public func auditEvents(after: Int64, limit: Int) throws(StoreError) -> [AuditRecord] {
        try read { rows in
            let found = try rows.run {
                try Row.fetchAll(
                    rows.db,
                    sql: """
                        SELECT id, at, kind, CAST(collection AS BLOB), CAST(record AS BLOB), node, CAST(detail AS BLOB)
                        FROM audit WHERE id > ? ORDER BY id LIMIT ?
                        """,
                    arguments: [after, max(limit, 0)])
            }
            var result: [AuditRecord] = []
            for row in found {
                let kindName: String = row[2]
                guard let kind = AuditEvent.Kind(rawValue: kindName) else {
                    throw StoreError.malformedRow(path: path, table: "audit", detail: "unknown kind \(kindName)")
                }
                let nodeData: Data? = row[5]
                let at: Int64 = row[1]
                let collection: Data? = row[3]
                let record: Data? = row[4]
                let detail: Data = row[6]
                result.append(AuditRecord(id: row[0], event: AuditEvent(
                    at: UInt64(bitPattern: at), kind: kind,
                    collection: collection.map(String.init(sqlBytes:)), record: record.map(String.init(sqlBytes:)),
                    node: nodeData.flatMap { try? NodeID(bytes: [UInt8]($0)) }, detail: String(sqlBytes: detail))))
            }
            return result
        }
    }

    public func adapterCursor(_ adapter: String) throws(StoreError) -> [UInt8]? {
        try read { rows in
            try rows.run {
                try Data.fetchOne(
                    rows.db, sql: "SELECT cursor FROM adapter_cursor WHERE adapter = CAST(? AS TEXT)", arguments: [SQLText(adapter)])
            }.map { [UInt8]($0) }
        }
    }

    public func recordID(adapter: String, collection: String, externalKey: String) throws(StoreError) -> String? {
        try read { rows in
            try rows.run {
                try Data.fetchOne(
                    rows.db,
                    sql: """
                        SELECT record FROM external_key
                        WHERE adapter = CAST(? AS TEXT) AND collection = CAST(? AS TEXT) AND external_key = CAST(? AS TEXT)
                        """,
                    arguments: [SQLText(adapter), SQLText(collection), SQLText(externalKey)])
            }.map(String.init(sqlBytes:))
        }
    }
}
