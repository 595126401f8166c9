// PostgresStore: the commits (local, remote, reconciliation, adopted vectors) and the log, clock and audit rows they write.
public import TandemCore
public import TandemStore

extension PostgresStore {
    public func commitLocal(
        _ change: LocalChange, sign: (_ signingBytes: [UInt8]) -> [UInt8], now: UInt64
    ) throws(StoreError) -> DeltaBatch {
        try write { rows throws(StoreError) in
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
                try rows.link.execute(
                    """
                    INSERT INTO adapter_cursor (adapter, cursor) VALUES ($1, $2)
                    ON CONFLICT (adapter) DO UPDATE SET cursor = excluded.cursor
                    """,
                    [.utf8(cursor.adapter), .bytes(cursor.cursor)])
            }
            for mapping in change.keyMappings {
                try rows.link.execute(
                    """
                    INSERT INTO external_key (adapter, collection, external_key, record) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (adapter, collection, external_key) DO UPDATE SET record = excluded.record
                    """,
                    [.utf8(mapping.adapter), .utf8(mapping.collection), .utf8(mapping.externalKey), .utf8(mapping.record)])
            }
            return batch
        }
    }

    public func commitRemote(
        _ batch: DeltaBatch, delta: RecordCollection, clock: HLCTimestamp, audit: [AuditEvent], now: UInt64
    ) throws(StoreError) -> RemoteCommitOutcome {
        try write { rows throws(StoreError) in
            let outcome = try applyRemote(batch, delta: delta, audit: audit, now: now, rows: &rows)
            if outcome.isApplied { try advanceClock(clock, rows: rows) }
            return outcome
        }
    }

    /// All in one transaction: one round trip to the server's disk for the lot.
    public func commitRemote(
        _ batches: [RemoteBatch], clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> [RemoteCommitOutcome] {
        try write { rows throws(StoreError) in
            var outcomes: [RemoteCommitOutcome] = []
            for remote in batches {
                outcomes.append(try applyRemote(remote.batch, delta: remote.delta, audit: [], now: now, rows: &rows))
            }
            if outcomes.contains(where: \.isApplied) { try advanceClock(clock, rows: rows) }
            return outcomes
        }
    }

    private func applyRemote(
        _ batch: DeltaBatch, delta: RecordCollection, audit: [AuditEvent], now: UInt64, rows: inout PostgresRows
    ) throws(StoreError) -> RemoteCommitOutcome {
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
        try write { rows throws(StoreError) in
            let report = try DeltaApplier.apply(delta, to: collection, rows: &rows)
            try advanceClock(clock, rows: rows)
            try insertAudit(report.conflictEvents(collection: collection, at: now) + [AuditEvent(
                at: now, kind: .reconciliation, collection: collection, node: peer,
                detail: "reconciled with \(peer.hex): records \(report.changedRecords.count)")], rows: rows)
            return report
        }
    }

    public func adoptHeld(_ vector: BatchVector, contexts: [String: CausalContext], from peer: NodeID, now: UInt64) throws(StoreError) {
        try write { rows throws(StoreError) in
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

    /// Logs `batch` and records it as held.
    private func append(_ batch: DeltaBatch, at now: UInt64, rows: inout PostgresRows) throws(StoreError) {
        let originID = try rows.nodeRowID(batch.origin)
        try rows.link.execute(
            """
            INSERT INTO batch (origin_id, sequence, collection, payload, signature, committed_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            """,
            [.int(originID), .int(Int64(bitPattern: batch.sequence)), .utf8(batch.collection),
             .bytes(batch.payload), .bytes(batch.signature), .int(Int64(bitPattern: now))])
        try rows.insertIntoVector(owner: VectorOwner.held, origin: batch.origin, sequence: batch.sequence)
    }

    private func advanceClock(_ clock: HLCTimestamp, rows: PostgresRows) throws(StoreError) {
        try rows.link.execute(
            "UPDATE node_meta SET clock = greatest(clock, $1) WHERE id = 1", [.int(Int64(bitPattern: clock.rawValue))])
    }

    func insertAudit(_ events: [AuditEvent], rows: PostgresRows) throws(StoreError) {
        for event in events {
            try rows.link.execute(
                "INSERT INTO audit (at, kind, collection, record, node, detail) VALUES ($1, $2, $3, $4, $5, $6)",
                [
                    .int(Int64(bitPattern: event.at)), .text(event.kind.rawValue), .optionalBytes(event.collection),
                    .optionalBytes(event.record), event.node.map { .bytes($0.bytes) } ?? .null, .utf8(event.detail),
                ])
        }
    }
}
