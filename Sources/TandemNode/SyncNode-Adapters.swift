import NIOCore
public import TandemCore
public import TandemStore

/// What adapters need of a node: commits that carry their cursor and audit
/// events, and reads of records and cursors.
extension SyncNode {
    /// Commits an adapter's change: loads records `ids` of `collection`, runs
    /// `change` on them with the batch's timestamp on the node's event loop
    /// (it returns the delta and the audit events to commit with it), and
    /// commits the delta, the events and `cursor` in one transaction, then
    /// sends the batch to the peers. The change is committed alone (never
    /// grouped with other writes), so the cursor acknowledges exactly it.
    /// A change that changes nothing still commits the cursor.
    ///
    /// - Throws: the error `change` throws (nothing is committed), a
    ///   `StoreError`, or `NodeError.notRunning`.
    @discardableResult
    public func commitAdapterChange(
        collection: String, records ids: [String], cursor: AdapterCursorUpdate,
        _ change: @escaping @Sendable (inout RecordCollection, HLCTimestamp) throws -> (RecordCollection, [AuditEvent])
    ) async throws -> DeltaBatch? {
        let commit = AdapterCommit(cursor: cursor)
        return try await submit(collection: collection, records: ids, estimatedBytes: 0, adapter: commit) { working, now in
            let (delta, events) = try change(&working, now)
            commit.record(events)
            return delta
        }
    }

    /// Appends `events` to the audit log (on the node's event loop, in one
    /// transaction).
    public func appendAudit(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        let store = self.store
        try await eventLoop.submit { try store.appendAudit(events) }.get()
    }

    /// The last cursor `adapter` committed, or nil before its first commit
    /// (read off the concurrency pool: `reading`).
    public func adapterCursor(_ adapter: String) async throws -> [UInt8]? {
        try await reading { try $0.adapterCursor(adapter) }
    }

    /// The stored state of records `ids` of `collection` (absent records are
    /// absent), in one read (off the concurrency pool: `reading`).
    public func records(collection: String, ids: [String]) async throws -> [String: RecordStore] {
        let normalized = ids.map(Identifier.normalized)
        return try await reading { store in
            try store.workingSet(collection, records: normalized).records.filter { !$0.value.isEmpty }
        }
    }

    /// Up to `limit` records of `collection` after id `after`, in id order
    /// (read off the concurrency pool: `reading`).
    public func records(collection: String, after: String?, limit: Int) async throws -> [(id: String, store: RecordStore)] {
        let page = try await reading { store in
            try store.records(collection, after: after, limit: limit).map { RecordPageEntry(id: $0.id, store: $0.store) }
        }
        return page.map { ($0.id, $0.store) }
    }
}

/// One record of a page read off the concurrency pool (a tuple is not `Sendable`).
private struct RecordPageEntry: Sendable {
    var id: String
    var store: RecordStore
}
