// SQLiteStore: the commits (local, remote, reconciliation, adopted vectors) and the appends, clock and audit rows they write.
import Foundation
import GRDB
public import TandemCore

extension SQLiteStore {
    public func commitLocal(
        _ change: LocalChange, sign: (_ signingBytes: [UInt8]) -> [UInt8], now: UInt64
    ) throws(StoreError) -> DeltaBatch {
        try write { rows in
            var batch = DeltaBatch(
                origin: node, sequence: try rows.nextSequence(owner: VectorOwner.held, origin: node),
                collection: change.collection, payload: change.payload)
            batch.signature = sign(batch.signingBytes)
            let report = try DeltaApplier.apply(change.delta, to: change.collection, rows: &rows)
            try append(batch, at: now, rows: &rows)
            try advanceClock(change.clock, rows: rows)
            let summary = AuditEvent(
                at: now, kind: .localCommit, collection: change.collection, node: node,
                detail: "batch \(batch.sequence): \(change.delta.registerEntryCount) field writes, records \(report.changedRecords.count)")
            try insertAudit(change.audit + report.conflictEvents(collection: change.collection, at: now) + [summary], rows: rows)
            if let cursor = change.cursor {
                try rows.run {
                    try rows.db.execute(
                        sql: "INSERT OR REPLACE INTO adapter_cursor (adapter, cursor) VALUES (CAST(? AS TEXT), ?)",
                        arguments: [SQLText(cursor.adapter), Data(cursor.cursor)])
                }
            }
            for mapping in change.keyMappings {
                try rows.run {
                    try rows.db.execute(
                        sql: """
                            INSERT OR REPLACE INTO external_key (adapter, collection, external_key, record)
                            VALUES (CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT))
                            """,
                        arguments: [
                            SQLText(mapping.adapter), SQLText(mapping.collection), SQLText(mapping.externalKey),
                            SQLText(mapping.record),
                        ])
                }
            }
            return batch
        }
    }

    public func commitRemote(
        _ batch: DeltaBatch, delta: RecordCollection, clock: HLCTimestamp, audit: [AuditEvent], now: UInt64
    ) throws(StoreError) -> RemoteCommitOutcome {
        try write { rows in
            let outcome = try applyRemote(batch, delta: delta, audit: audit, now: now, rows: &rows)
            if outcome.isApplied { try advanceClock(clock, rows: rows) }
            return outcome
        }
    }

    /// All in one transaction: one sync to disk for the lot.
    public func commitRemote(
        _ batches: [RemoteBatch], clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> [RemoteCommitOutcome] {
        try write { rows in
            var outcomes: [RemoteCommitOutcome] = []
            for remote in batches {
                outcomes.append(try applyRemote(remote.batch, delta: remote.delta, audit: [], now: now, rows: &rows))
            }
            // A duplicate or a refusal changes nothing, not even the clock.
            if outcomes.contains(where: \.isApplied) { try advanceClock(clock, rows: rows) }
            return outcomes
        }
    }

    /// Applies one remote batch inside a write transaction, unless the held
    /// vector (as of this point in the transaction) has it.
    private func applyRemote(
        _ batch: DeltaBatch, delta: RecordCollection, audit: [AuditEvent], now: UInt64, rows: inout SQLiteRows
    ) throws -> RemoteCommitOutcome {
        if try rows.vectorContains(owner: VectorOwner.held, origin: batch.origin, sequence: batch.sequence) {
            return .duplicate
        }
        let outcome = try DeltaApplier.applyRemote(delta, of: batch, receiver: node, rows: &rows)
        guard case .applied(let report) = outcome else { return outcome }
        try append(batch, at: now, rows: &rows)
        let summary = AuditEvent(
            at: now, kind: .remoteApply, collection: batch.collection, node: batch.origin,
            detail: "batch \(batch.sequence): records \(report.changedRecords.count)")
        try insertAudit(audit + report.conflictEvents(collection: batch.collection, at: now) + [summary], rows: rows)
        return .applied(report)
    }

    public func commitReconciliation(
        _ delta: RecordCollection, collection: String, from peer: NodeID, clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> ApplyReport {
        try write { rows in
            let report = try DeltaApplier.apply(delta, to: collection, rows: &rows)
            try advanceClock(clock, rows: rows)
            try insertAudit(report.conflictEvents(collection: collection, at: now) + [AuditEvent(
                at: now, kind: .reconciliation, collection: collection, node: peer,
                detail: "reconciled with \(peer.hex): records \(report.changedRecords.count)")], rows: rows)
            return report
        }
    }

    public func adoptHeld(_ vector: BatchVector, contexts: [String: CausalContext], from peer: NodeID, now: UInt64) throws(StoreError) {
        try write { rows in
            for (name, theirs) in contexts {
                var context = try rows.context(of: name)
                context.formUnion(theirs)
                try rows.saveContext(context, nodes: theirs.nodes.keys, of: name)
            }
            var held = try rows.readVector(owner: VectorOwner.held)
            var compacted = try rows.readVector(owner: VectorOwner.compacted)
            var notLogged = vector
            notLogged.subtract(held)
            compacted.formUnion(notLogged)
            held.formUnion(vector)
            try rows.writeVector(held, owner: VectorOwner.held, origins: vector.held.nodes.keys)
            try rows.writeVector(compacted, owner: VectorOwner.compacted, origins: notLogged.held.nodes.keys)
            try insertAudit([AuditEvent(at: now, kind: .reconciliation, node: peer,
                                        detail: "state equal to \(peer.hex)'s: adopted its batch vector \(vector)")], rows: rows)
        }
    }

    /// Logs `batch` and records it as held: the cost does not depend on
    /// how many ranges the held vector has.
    private func append(_ batch: DeltaBatch, at now: UInt64, rows: inout SQLiteRows) throws(StoreError) {
        let originID = try rows.nodeRowID(batch.origin)
        try rows.run {
            try rows.db.execute(
                sql: """
                    INSERT INTO batch (origin_id, sequence, collection, payload, signature, committed_at)
                    VALUES (?, ?, CAST(? AS TEXT), ?, ?, ?)
                    """,
                arguments: [originID, Int64(bitPattern: batch.sequence), SQLText(batch.collection),
                            Data(batch.payload), Data(batch.signature), Int64(bitPattern: now)])
        }
        try rows.insertIntoVector(owner: VectorOwner.held, origin: batch.origin, sequence: batch.sequence)
    }

    private func advanceClock(_ clock: HLCTimestamp, rows: SQLiteRows) throws(StoreError) {
        try rows.run {
            try rows.db.execute(
                sql: "UPDATE node_meta SET clock = max(clock, ?) WHERE id = 1",
                arguments: [Int64(bitPattern: clock.rawValue)])
        }
    }

    func insertAudit(_ events: [AuditEvent], rows: SQLiteRows) throws(StoreError) {
        for event in events {
            try rows.run {
                try rows.db.cachedStatement(sql: """
                    INSERT INTO audit (at, kind, collection, record, node, detail)
                    VALUES (?, ?, CAST(? AS TEXT), CAST(? AS TEXT), ?, CAST(? AS TEXT))
                    """)
                    .execute(arguments: [
                        Int64(bitPattern: event.at), event.kind.rawValue, event.collection.map(SQLText.init),
                        event.record.map(SQLText.init), event.node.map { Data($0.bytes) }, SQLText(event.detail),
                    ])
            }
        }
    }
}
