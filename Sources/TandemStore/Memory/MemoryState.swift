import TandemCore

/// One collection held in memory.
struct MemoryCollection: Sendable {
    var records: [String: RecordStore] = [:]
    var context = CausalContext()
}

/// A key of the external-key map.
struct MemoryKey: Hashable, Sendable {
    var adapter: String
    var collection: String
    var externalKey: String

    init(adapter: String, collection: String, externalKey: String) {
        self.adapter = adapter
        self.collection = collection
        self.externalKey = externalKey
    }

    init(_ mapping: ExternalKeyMapping) {
        self.init(adapter: mapping.adapter, collection: mapping.collection, externalKey: mapping.externalKey)
    }
}

/// Everything an `InMemoryStore` holds, as one value so a transaction can
/// work on a copy.
struct MemoryState: Sendable {
    var node: NodeID
    var collections: [String: MemoryCollection] = [:]
    var batches = BatchVector()
    var compacted = BatchVector()
    var log: [Dot: (batch: DeltaBatch, committedAt: UInt64)] = [:]
    var clock = HLCTimestamp.zero
    var acks: [NodeID: BatchVector] = [:]
    var audit: [AuditRecord] = []
    /// The position of the next audit event (positions are never reused).
    var nextAuditID: Int64 = 1
    var cursors: [String: [UInt8]] = [:]
    var keyMap: [MemoryKey: String] = [:]

    init(node: NodeID) { self.node = node }

    mutating func apply(_ delta: RecordCollection, to collection: String) throws(StoreError) -> ApplyReport {
        var rows = MemoryRows(collection: collections[collection] ?? MemoryCollection())
        let report = try DeltaApplier.apply(delta, to: collection, rows: &rows)
        keep(rows, as: collection)
        return report
    }

    /// As in SQLite, a collection exists once it has a context: a batch
    /// that changed nothing does not create it.
    private mutating func keep(_ rows: MemoryRows, as collection: String) {
        if collections[collection] != nil || !rows.collection.context.isEmpty {
            collections[collection] = rows.collection
        }
    }

    mutating func append(_ batch: DeltaBatch, at now: UInt64) {
        log[batch.id] = (batch, now)
        batches.insert(origin: batch.origin, sequence: batch.sequence)
    }

    /// Applies a peer's batch unless it is held: effect, log entry, vector
    /// advance and audit.
    mutating func applyRemote(
        _ batch: DeltaBatch, delta: RecordCollection, audit: [AuditEvent], now: UInt64
    ) throws(StoreError) -> RemoteCommitOutcome {
        if batches.contains(origin: batch.origin, sequence: batch.sequence) { return .duplicate }
        var rows = MemoryRows(collection: collections[batch.collection] ?? MemoryCollection())
        let outcome = try DeltaApplier.applyRemote(delta, of: batch, receiver: node, rows: &rows)
        guard case .applied(let report) = outcome else { return outcome }
        keep(rows, as: batch.collection)
        append(batch, at: now)
        record(audit + report.conflictEvents(collection: batch.collection, at: now))
        record([AuditEvent(at: now, kind: .remoteApply, collection: batch.collection, node: batch.origin,
                           detail: "batch \(batch.sequence): records \(report.changedRecords.count)")])
        return .applied(report)
    }

    mutating func record(_ events: [AuditEvent]) {
        for event in events {
            audit.append(AuditRecord(id: nextAuditID, event: event))
            nextAuditID += 1
        }
    }
}

/// `RecordRows` over one in-memory collection.
struct MemoryRows: RecordRows {
    var collection: MemoryCollection

    mutating func context(of name: String) throws(StoreError) -> CausalContext { collection.context }

    mutating func saveContext(_ context: CausalContext, nodes: some Sequence<NodeID>, of name: String) throws(StoreError) {
        collection.context = context
    }

    mutating func records(_ ids: Set<String>, in name: String) throws(StoreError) -> [String: RecordStore] {
        var found: [String: RecordStore] = [:]
        for id in ids { found[id] = collection.records[id] }
        return found
    }

    mutating func recordIDs(holdingDotsOf node: NodeID, in range: ClosedRange<UInt64>, collection name: String) throws(StoreError) -> Set<String> {
        var ids = Set<String>()
        for (id, store) in collection.records {
            var holds = false
            store.forEachDot { dot in if dot.node == node && range.contains(dot.counter) { holds = true } }
            if holds { ids.insert(id) }
        }
        return ids
    }

    mutating func writeRecord(_ id: String, from before: RecordStore?, to after: RecordStore?, in name: String) throws(StoreError) {
        collection.records[id] = after
    }
}
