import Synchronization
import TandemAdapterCore
import TandemCore
import TandemNode
import TandemStore

/// Outbound: records that changed in the CRDT written to the table.
extension AdapterRunner {
    /// Writes the next records that changed (noted, due for retry, or the
    /// sweep's next chunk); returns whether there were any.
    func outboundStep() async throws -> Bool {
        var ids = inbox.withLock { inbox -> [String] in
            let taken = Array(inbox.order.prefix(Self.outboundChunk))
            inbox.order.removeFirst(taken.count)
            inbox.set.subtract(taken)
            return taken
        }
        let now = clock()
        for record in retries.due(now: now) where ids.count < Self.outboundChunk && !ids.contains(record) {
            ids.append(record)
        }
        var sweeping = false
        if ids.isEmpty, let current = sweep {
            let chunk = try await node.records(collection: mapping.collection, after: current.after, limit: Self.outboundChunk)
            guard let last = chunk.last else {
                finishSweep(repairs: current.repairs)
                return false
            }
            sweep = (last.id, current.repairs)
            ids = chunk.map(\.id)
            sweeping = true
            status.sweptRecords = (status.sweptRecords ?? 0) + ids.count
        }
        guard !ids.isEmpty else { return false }
        let written: Int
        do {
            written = try await write(ids, now: now)
        } catch {
            // The system is unreachable (a restart, a dropped connection):
            // these records were taken off the list, so put them back to be
            // written once it answers again.
            noteChanged(ids)
            throw error
        }
        if sweeping, let current = sweep { sweep = (current.after, current.repairs + written) }
        return true
    }

    /// Writes records `ids` where their rows differ; returns how many rows it wrote.
    private func write(_ ids: [String], now: Int64) async throws -> Int {
        let stores = try await node.records(collection: mapping.collection, ids: ids)
        let keys = try await driver.keys(forRecords: ids)
        let rows = try await driver.rows(keys: Array(Set(keys.values)))
        var writes: [ExternalWrite] = []
        var events: [AuditEvent] = []
        var snapshots: [String: RecordSnapshot] = [:]
        let auditTime = UInt64(clamping: now)
        func audit(_ kind: AuditEvent.Kind, _ record: String, _ detail: String) {
            events.append(AuditEvent(
                at: auditTime, kind: kind, collection: mapping.collection, record: record, node: node.node,
                detail: "\(mapping.name): \(detail)"))
        }
        for id in ids {
            let key = keys[id]
            if heldRecords.contains(id) || key.map(heldKeys.contains) == true { continue }
            let snapshot = stores[id].flatMap { RecordSnapshot(id: id, store: $0) }
            snapshots[id] = snapshot
            do {
                if let write = try OutboundPlanner.write(
                    record: id, snapshot: snapshot, key: key, row: key.flatMap { rows[$0] }, mapping: mapping, schema: schema) {
                    writes.append(write)
                } else {
                    retries.succeeded(id)
                }
            } catch {
                if retries.entries[id] == nil { audit(.adapterError, id, "record not written to \(mapping.table): \(error)") }
                retries.failed(id, error: error.description, now: now)
            }
        }
        let outcomes = try await driver.apply(writes, capturedThrough: cursor.through, identity: identity)
        let committed = clock()
        var count = 0
        for (write, outcome) in zip(writes, outcomes) {
            switch outcome {
            case .written(let key, let lastValues):
                retries.succeeded(write.record)
                count += 1
                measureLatency(write, snapshots[write.record], committed: committed)
                switch write {
                case .insert(_, _, let columns):
                    audit(.appliedExternal, write.record, "row \(key) of \(mapping.table) inserted: \(Self.describe(columns))")
                case .update(_, _, let columns):
                    audit(.appliedExternal, write.record, "row \(key) of \(mapping.table) updated: \(Self.describe(columns))")
                case .delete:
                    audit(.deletedExternal, write.record, "row \(key) of \(mapping.table) deleted; last values \(Self.describe(lastValues ?? [:]))")
                }
            case .deferred:
                // The row has an edit not yet captured: capture it first.
                noteChanged([write.record])
            case .failed(let message):
                if retries.entries[write.record] == nil {
                    audit(.adapterError, write.record, "\(mapping.table) refused the write: \(message)")
                }
                retries.failed(write.record, error: message, now: now)
            }
        }
        status.written += count
        try await node.appendAudit(events)
        return count
    }

    /// Reports the time from a peer's edit to its row write, for inserts
    /// and updates of edits made since the runner started.
    private func measureLatency(_ write: ExternalWrite, _ snapshot: RecordSnapshot?, committed: Int64) {
        guard let onSyncLatency, let snapshot else { return }
        if case .delete = write { return }
        let own = node.node
        guard let newest = snapshot.fields.values.filter({ $0.writer != own }).map(\.editedAtMillis).max(),
              newest >= startedAtMillis
        else { return }
        onSyncLatency(max(committed - newest, 0))
    }

    static func describe(_ columns: [String: ExternalValue]) -> String {
        columns.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}
