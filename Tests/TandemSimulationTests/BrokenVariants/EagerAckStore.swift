import Synchronization
import TandemCore
import TandemSimulation
import TandemStore

/// BROKEN ON PURPOSE (test only): a node that acknowledges a local write
/// before committing it.
///
/// `commitLocal` returns the signed batch at once (so the write is
/// acknowledged and sent to peers) but commits it only when the node next
/// touches its store for a write. A crash in between loses a write the
/// node acknowledged; even without a crash, the node's own state lacks its
/// last write until it writes again.
final class EagerAckStore: ForwardingStore, @unchecked Sendable {
    private struct Pending: Sendable {
        var change: LocalChange
        var batch: DeltaBatch
        var now: UInt64
    }

    private let pending = Mutex<Pending?>(nil)

    override func wrapping(_ crashed: any SimulatedStore) -> any SimulatedStore { EagerAckStore(crashed) }

    override func commitLocal(
        _ change: LocalChange, sign: (_ signingBytes: [UInt8]) -> [UInt8], now: UInt64
    ) throws(StoreError) -> DeltaBatch {
        try flush()
        let summary = try inner.summary()
        var batch = DeltaBatch(
            origin: summary.node, sequence: summary.batches.nextSequence(for: summary.node),
            collection: change.collection, payload: change.payload)
        batch.signature = sign(batch.signingBytes)
        pending.withLock { $0 = Pending(change: change, batch: batch, now: now) }
        return batch
    }

    override func workingSet(_ collection: String, records ids: [String]) throws(StoreError) -> RecordCollection {
        try flush()
        return try inner.workingSet(collection, records: ids)
    }

    /// Commits the write acknowledged earlier (the same batch: Ed25519
    /// signatures are deterministic, and the sequence is the next one).
    private func flush() throws(StoreError) {
        guard let late = pending.withLock({ value -> Pending? in
            defer { value = nil }
            return value
        }) else { return }
        _ = try inner.commitLocal(late.change, sign: { _ in late.batch.signature }, now: late.now)
    }
}
