// PostgresStore: the delta log (batches a peer lacks, acknowledgements, compaction), audit appends and pruning.
import NIOCore
public import TandemCore
public import TandemStore

extension PostgresStore {
    public func batches(missingFrom vector: BatchVector, limit: Int) throws(StoreError) -> [DeltaBatch] {
        try read { rows throws(StoreError) in
            var byNode: [(NodeID, Int64)] = []
            for row in try rows.link.query("SELECT DISTINCT batch.origin_id, node.key FROM batch JOIN node ON node.id = batch.origin_id") {
                let (originID, key) = try rows.decode(row, (Int64, ByteBuffer).self, table: "node")
                guard let node = try? NodeID(bytes: PostgresRows.bytes(key)) else { continue }
                byNode.append((node, originID))
            }
            byNode.sort { $0.0 < $1.0 }
            var result: [DeltaBatch] = []
            for (origin, originID) in byNode where result.count < limit {
                let floor = vector.held.nodes[origin]?.prefix ?? 0
                let found = try rows.link.query(
                    """
                    SELECT sequence, collection, payload, signature FROM batch
                    WHERE origin_id = $1 AND sequence > $2 ORDER BY sequence
                    """,
                    [.int(originID), .int(Int64(bitPattern: floor))])
                for row in found where result.count < limit {
                    let (stored, collection, payload, signature) = try rows.decode(
                        row, (Int64, ByteBuffer, ByteBuffer, ByteBuffer).self, table: "batch")
                    let sequence = UInt64(bitPattern: stored)
                    if vector.contains(origin: origin, sequence: sequence) { continue }
                    result.append(DeltaBatch(
                        origin: origin, sequence: sequence, collection: PostgresRows.string(collection),
                        payload: PostgresRows.bytes(payload), signature: PostgresRows.bytes(signature)))
                }
            }
            return result
        }
    }

    public func batches(_ ids: [Dot]) throws(StoreError) -> [DeltaBatch] {
        try read { rows throws(StoreError) in
            var result: [DeltaBatch] = []
            result.reserveCapacity(ids.count)
            for id in ids {
                guard let originID = try rows.knownNodeRowID(id.node) else { continue }
                guard let row = try rows.link.query(
                    "SELECT collection, payload, signature FROM batch WHERE origin_id = $1 AND sequence = $2",
                    [.int(originID), .int(Int64(bitPattern: id.counter))]).first else { continue }
                let (collection, payload, signature) = try rows.decode(row, (ByteBuffer, ByteBuffer, ByteBuffer).self, table: "batch")
                result.append(DeltaBatch(
                    origin: id.node, sequence: id.counter, collection: PostgresRows.string(collection),
                    payload: PostgresRows.bytes(payload), signature: PostgresRows.bytes(signature)))
            }
            return result
        }
    }

    public func appendAudit(_ events: [AuditEvent]) throws(StoreError) {
        try write { rows throws(StoreError) in try insertAudit(events, rows: rows) }
    }

    public func setAcknowledged(_ vector: BatchVector, by peer: NodeID) throws(StoreError) {
        try write { rows throws(StoreError) in
            let owner = VectorOwner.peer(peer)
            var stored = try rows.readVector(owner: owner)
            stored.formUnion(vector)
            try rows.writeVector(stored, owner: owner, origins: vector.held.nodes.keys)
        }
    }

    public func acknowledged(by peer: NodeID) throws(StoreError) -> BatchVector {
        try read { rows throws(StoreError) in try rows.readVector(owner: VectorOwner.peer(peer)) }
    }

    public func compactLog(acknowledgedBy peers: [NodeID], committedBefore before: UInt64, now: UInt64) throws(StoreError) -> Int {
        try write { rows throws(StoreError) in
            var acks: [BatchVector] = []
            for peer in peers { acks.append(try rows.readVector(owner: VectorOwner.peer(peer))) }
            let candidates = try rows.link.query(
                "SELECT origin_id, sequence FROM batch WHERE committed_at <= $1",
                [.int(Int64(bitPattern: min(before, UInt64(Int64.max))))])
            var compacted = try rows.readVector(owner: VectorOwner.compacted)
            var origins = Set<NodeID>()
            var removed = 0
            for row in candidates {
                let (originID, stored) = try rows.decode(row, (Int64, Int64).self, table: "batch")
                let sequence = UInt64(bitPattern: stored)
                let origin = try rows.node(forRowID: originID)
                guard acks.allSatisfy({ $0.contains(origin: origin, sequence: sequence) }) else { continue }
                try rows.link.execute(
                    "DELETE FROM batch WHERE origin_id = $1 AND sequence = $2", [.int(originID), .int(stored)])
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

extension PostgresStore: AuditRetention {
    public func pruneAudit(before: UInt64) throws(StoreError) -> Int {
        try write { rows throws(StoreError) in
            try rows.link.execute(
                "DELETE FROM audit WHERE at < $1 AND kind <> $2",
                [.int(Int64(bitPattern: min(before, UInt64(Int64.max)))), .text(AuditEvent.Kind.conflict.rawValue)])
        }
    }
}
