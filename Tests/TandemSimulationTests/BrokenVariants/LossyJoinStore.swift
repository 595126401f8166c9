import Synchronization
import TandemCore
import TandemSimulation
import TandemStore

/// BROKEN ON PURPOSE (test only): a join that drops a concurrent write.
///
/// The first time a peer's batch brings a field write that is concurrent
/// with one this store holds (neither saw the other), the incoming write is
/// dropped: the batch commits without it, its dot counted as seen, so it is
/// gone for good on this node. Every other node keeps it. A correct join
/// keeps both writes (one wins, the other stays as a conflict).
final class LossyJoinStore: ForwardingStore, @unchecked Sendable {
    private let dropped = Mutex(false)

    override func wrapping(_ crashed: any SimulatedStore) -> any SimulatedStore { LossyJoinStore(crashed) }

    override func commitRemote(
        _ batch: DeltaBatch, delta: RecordCollection, clock: HLCTimestamp, audit: [AuditEvent], now: UInt64
    ) throws(StoreError) -> RemoteCommitOutcome {
        guard !dropped.withLock({ $0 }), let lossy = try dropConcurrentWrite(from: delta, collection: batch.collection) else {
            return try inner.commitRemote(batch, delta: delta, clock: clock, audit: audit, now: now)
        }
        let outcome = try inner.commitRemote(batch, delta: lossy, clock: clock, audit: audit, now: now)
        dropped.withLock { $0 = true }
        return outcome
    }

    /// `delta` without its first field write that is concurrent with a
    /// write held here, or nil if it has none.
    private func dropConcurrentWrite(from delta: RecordCollection, collection: String) throws(StoreError) -> RecordCollection? {
        let context = try inner.workingSet(collection, records: []).context
        for id in delta.records.keys.sorted() {
            guard let incoming = delta.records[id], let local = try inner.record(collection, id) else { continue }
            for (name, theirs) in incoming.fields {
                guard let mine = local.fields[name] else { continue }
                let unseenByThem = mine.entries.contains { !delta.context.contains($0.dot) }
                let unseenHere = theirs.entries.contains { !context.contains($0.dot) }
                guard unseenByThem && unseenHere else { continue }
                var fields = incoming.fields
                fields[name] = nil
                var records = delta.records
                records[id] = RecordStore(presence: incoming.presence, fields: fields, sets: incoming.sets)
                return RecordCollection(trusted: records, context: delta.context)
            }
        }
        return nil
    }
}
