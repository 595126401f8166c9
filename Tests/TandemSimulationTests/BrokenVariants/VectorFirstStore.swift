import Synchronization
import TandemCore
import TandemSimulation
import TandemStore

/// BROKEN ON PURPOSE (test only): a store that advances its batch vector
/// before it commits the batch.
///
/// A peer's batch is committed in two transactions: first the vector
/// advance (through `adoptHeld`, which also records the batch as compacted,
/// since it is not logged), then the batch's content (through
/// `commitReconciliation`). An injected commit failure hits the second: the
/// vector then counts the batch as held while the state lacks its effect,
/// and since this store tells duplicates by its vector, the batch's content
/// never arrives when the batch is offered again. The vector is right on
/// every node; only the content shows the loss.
final class VectorFirstStore: ForwardingStore, @unchecked Sendable {
    /// An injected failure waiting for this store's next commit.
    private let armed = Mutex(false)

    override func wrapping(_ crashed: any SimulatedStore) -> any SimulatedStore { VectorFirstStore(crashed) }

    override func armCommitFailure() { armed.withLock { $0 = true } }

    /// Hands an armed failure to the real store, for its next transaction.
    private func passArmedFailure() {
        if armed.withLock({ value in defer { value = false }; return value }) { inner.armCommitFailure() }
    }

    override func commitLocal(_ change: LocalChange, sign: (_ signingBytes: [UInt8]) -> [UInt8], now: UInt64) throws(StoreError) -> DeltaBatch {
        passArmedFailure()
        return try inner.commitLocal(change, sign: sign, now: now)
    }

    override func commitReconciliation(
        _ delta: RecordCollection, collection: String, from peer: NodeID, clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> ApplyReport {
        passArmedFailure()
        return try inner.commitReconciliation(delta, collection: collection, from: peer, clock: clock, now: now)
    }

    override func adoptHeld(_ vector: BatchVector, contexts: [String: CausalContext], from peer: NodeID, now: UInt64) throws(StoreError) {
        passArmedFailure()
        try inner.adoptHeld(vector, contexts: contexts, from: peer, now: now)
    }

    override func commitRemote(
        _ batch: DeltaBatch, delta: RecordCollection, clock: HLCTimestamp, audit: [AuditEvent], now: UInt64
    ) throws(StoreError) -> RemoteCommitOutcome {
        try commitRemote([RemoteBatch(batch: batch, delta: delta)], clock: clock, now: now)[0]
    }

    override func commitRemote(_ batches: [RemoteBatch], clock: HLCTimestamp, now: UInt64) throws(StoreError) -> [RemoteCommitOutcome] {
        var outcomes: [RemoteCommitOutcome] = []
        for remote in batches {
            let batch = remote.batch
            if try inner.summary().batches.contains(origin: batch.origin, sequence: batch.sequence) {
                outcomes.append(.duplicate)
                continue
            }
            var advanced = BatchVector()
            advanced.insert(origin: batch.origin, sequence: batch.sequence)
            try inner.adoptHeld(advanced, contexts: [:], from: batch.origin, now: now)
            passArmedFailure()
            let report = try inner.commitReconciliation(remote.delta, collection: batch.collection, from: batch.origin, clock: clock, now: now)
            outcomes.append(.applied(report))
        }
        return outcomes
    }
}
