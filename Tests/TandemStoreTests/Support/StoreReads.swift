import TandemCore
import TandemStore

/// Reads the tests use to see a store whole.
extension ReplicaStore {
    /// Every record of `collection`, through `records(_:after:limit:)`.
    func allRecords(_ collection: String) throws -> [String: RecordStore] {
        var found: [String: RecordStore] = [:]
        for (id, record) in try records(collection, after: nil, limit: .max) { found[id] = record }
        return found
    }

    /// The causal context of `collection`, through `workingSet`.
    func context(_ collection: String) throws -> CausalContext {
        try workingSet(collection, records: []).context
    }

    /// The whole delta log, in (origin, sequence) order.
    func log() throws -> [DeltaBatch] {
        try batches(missingFrom: BatchVector(), limit: .max)
    }

    /// The whole audit log.
    func allAudit() throws -> [AuditRecord] {
        try auditEvents(after: 0, limit: .max)
    }

    /// Runs `mutate` on the working set of `ids` and commits its delta as a
    /// local change, signed by `FakeSigner`.
    @discardableResult
    func commitChange(
        _ collection: String = "people", records ids: [String], clock: HLCTimestamp, now: UInt64 = 1,
        audit: [AuditEvent] = [], cursor: AdapterCursorUpdate? = nil, keyMappings: [ExternalKeyMapping] = [],
        _ mutate: (inout RecordCollection) throws -> RecordCollection
    ) throws -> DeltaBatch {
        var working = try workingSet(collection, records: ids)
        let delta = try mutate(&working)
        let change = LocalChange(
            collection: collection, delta: delta, clock: clock, audit: audit, cursor: cursor, keyMappings: keyMappings)
        return try commitLocal(change, sign: FakeSigner.sign, now: now)
    }

    /// Commits `delta` as batch `(origin, sequence)` of a peer.
    @discardableResult
    func commitPeer(
        _ origin: NodeID, _ sequence: UInt64, _ delta: RecordCollection, collection: String = "people",
        clock: HLCTimestamp, now: UInt64 = 1, audit: [AuditEvent] = []
    ) throws -> RemoteCommitOutcome {
        let batch = DeltaBatch(
            origin: origin, sequence: sequence, collection: collection, payload: delta.encoded(),
            signature: FakeSigner.sign([UInt8](origin.bytes)))
        return try commitRemote(batch, delta: delta, clock: clock, audit: audit, now: now)
    }
}

/// Whether an outcome is `.applied`.
extension RemoteCommitOutcome {
    var report: ApplyReport? {
        if case .applied(let report) = self { return report }
        return nil
    }
}
