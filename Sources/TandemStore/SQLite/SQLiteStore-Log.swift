// SQLiteStore: the delta log (batches a peer lacks, acknowledgements, compaction) and audit appends.
import Foundation
import GRDB
public import TandemCore

extension SQLiteStore {
    public func batches(missingFrom vector: BatchVector, limit: Int) throws(StoreError) -> [DeltaBatch] {
        try read { rows in
            let origins = try rows.run {
                try Row.fetchAll(rows.db, sql: "SELECT DISTINCT batch.origin_id, node.key FROM batch JOIN node ON node.id = batch.origin_id")
            }
            var byNode: [(NodeID, Int64)] = []
            for row in origins {
                let key: Data = row[1]
                guard let node = try? NodeID(bytes: [UInt8](key)) else { continue }
                byNode.append((node, row[0]))
            }
            byNode.sort { $0.0 < $1.0 }
            var result: [DeltaBatch] = []
            for (origin, originID) in byNode where result.count < limit {
                let floor = vector.held.nodes[origin]?.prefix ?? 0
                let found = try rows.run {
                    try Row.fetchAll(
                        rows.db,
                        sql: """
                            SELECT sequence, CAST(collection AS BLOB), payload, signature FROM batch
                            WHERE origin_id = ? AND sequence > ? ORDER BY sequence
                            """,
                        arguments: [originID, Int64(bitPattern: floor)])
                }
                for row in found where result.count < limit {
                    let sequence = UInt64(bitPattern: row[0] as Int64)
                    if vector.contains(origin: origin, sequence: sequence) { continue }
                    let collection: Data = row[1]
                    let payload: Data = row[2]
                    let signature: Data = row[3]
                    result.append(DeltaBatch(
                        origin: origin, sequence: sequence, collection: String(sqlBytes: collection),
                        payload: [UInt8](payload), signature: [UInt8](signature)))
                }
            }
            return result
        }
    }

    public func batches(_ ids: [Dot]) throws(StoreError) -> [DeltaBatch] {
        try read { rows in
            var result: [DeltaBatch] = []
            result.reserveCapacity(ids.count)
            for id in ids {
                guard let originID = try rows.knownNodeRowID(id.node) else { continue }
                let row = try rows.run {
                    try Row.fetchOne(
                        rows.db.cachedStatement(sql: "SELECT collection, payload, signature FROM batch WHERE origin_id = ? AND sequence = ?"),
                        arguments: [originID, Int64(bitPattern: id.counter)])
                }
                guard let row else { continue }
                let payload: Data = row[1]
                let signature: Data = row[2]
                result.append(DeltaBatch(
                    origin: id.node, sequence: id.counter, collection: row[0],
                    payload: [UInt8](payload), signature: [UInt8](signature)))
            }
            return result
        }
    }

    public func appendAudit(_ events: [AuditEvent]) throws(StoreError) {
        try write { rows in try insertAudit(events, rows: rows) }
    }

    public func setAcknowledged(_ vector: BatchVector, by peer: NodeID) throws(StoreError) {
        try write { rows in
            let owner = VectorOwner.peer(peer)
            var stored = try rows.readVector(owner: owner)
            stored.formUnion(vector)
            try rows.writeVector(stored, owner: owner, origins: vector.held.nodes.keys)
        }
    }

    public func acknowledged(by peer: NodeID) throws(StoreError) -> BatchVector {
        try read { rows in try rows.readVector(owner: VectorOwner.peer(peer)) }
    }

    public func compactLog(acknowledgedBy peers: [NodeID], committedBefore before: UInt64, now: UInt64) throws(StoreError) -> Int {
        try write { rows in
            var acks: [BatchVector] = []
            for peer in peers { acks.append(try rows.readVector(owner: VectorOwner.peer(peer))) }
            let candidates = try rows.run {
                try Row.fetchAll(
                    rows.db, sql: "SELECT origin_id, sequence FROM batch WHERE committed_at <= ?",
                    arguments: [Int64(bitPattern: min(before, UInt64(Int64.max)))])
            }
            var compacted = try rows.readVector(owner: VectorOwner.compacted)
            var origins = Set<NodeID>()
            var removed = 0
            for row in candidates {
                let originID: Int64 = row[0]
                let sequence = UInt64(bitPattern: row[1] as Int64)
                let origin = try rows.node(forRowID: originID)
                guard acks.allSatisfy({ $0.contains(origin: origin, sequence: sequence) }) else { continue }
                try rows.run {
                    try rows.db.execute(
                        sql: "DELETE FROM batch WHERE origin_id = ? AND sequence = ?",
                        arguments: [originID, Int64(bitPattern: sequence)])
                }
                compacted.insert(origin: origin, sequence: sequence)
                origins.insert(origin)
                removed += 1
            }
            if removed > 0 {
                try rows.writeVector(compacted, owner: VectorOwner.compacted, origins: origins)
                try insertAudit(
                    [AuditEvent(at: now, kind: .compaction, detail: "removed \(removed) batches from the delta log")], rows: rows)
            }
            return removed
        }
    }
}
