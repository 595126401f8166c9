public import TandemCore
public import TandemStore

/// Local changes: the one way this node's own writes enter the store and the protocol.
extension SyncDriver {
    /// Makes a local change: loads the records `ids` of `collection`, lets
    /// `change` run delta mutators on them with a fresh timestamp, commits
    /// the returned delta as this node's next signed batch, and sends it to
    /// the peers that lack it. Returns the batch, or nil for an empty delta.
    ///
    /// The change is durable when this returns: acknowledge it then. A
    /// change too large to send as one message (`SyncConfiguration.maxMessageBytes`)
    /// is refused with `SyncWriteError.batchTooLarge` and nothing is committed:
    /// a batch that could never reach a peer would leave the replicas apart.
    ///
    /// `cursor` and `keyMappings` (an adapter's) and the events `audit`
    /// returns once `change` has run commit in the same transaction; a
    /// cursor alone commits an empty batch, audit events alone are appended.
    @discardableResult
    public mutating func write(
        _ collection: String, records ids: [String], now: UInt64,
        cursor: AdapterCursorUpdate? = nil, keyMappings: [ExternalKeyMapping] = [],
        audit: () -> [AuditEvent] = { [] },
        _ change: (inout RecordCollection, HLCTimestamp) throws -> RecordCollection
    ) throws -> DeltaBatch? {
        // The store holds ids in normal form C, as the core does
        // (`Identifier`): look up that spelling, whichever the caller used.
        var working = try store.workingSet(collection, records: ids.map(Identifier.normalized))
        let timestamp = machine.tick(now: now)
        let delta = try change(&working, timestamp)
        if let violation = FieldOwnership.violation(
            in: delta, collection: collection, writer: machine.node,
            owners: machine.configuration.fieldOwners[collection]) {
            throw SyncWriteError.notOwner(violation)
        }
        let events = audit()
        if delta.records.isEmpty && delta.context.isEmpty && cursor == nil {
            if !events.isEmpty { try store.appendAudit(events) }
            return nil
        }
        let local = LocalChange(
            collection: collection, delta: delta, clock: machine.clock.latest, audit: events, cursor: cursor,
            keyMappings: keyMappings)
        let size = SyncMessage.batchesMessageOverhead
            + SyncMessage.encodedSizeBound(collection: collection, payloadBytes: local.payload.count)
        guard size <= machine.configuration.maxMessageBytes else {
            throw SyncWriteError.batchTooLarge(
                collection: collection, bytes: size, limit: machine.configuration.maxMessageBytes)
        }
        let batch = try store.commitLocal(local, sign: sign, now: now)
        shell.observe(.committedLocally(batch))
        handle(.localBatchCommitted(batch), now: now)
        return batch
    }
}
