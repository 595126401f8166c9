import TandemCore
import TandemStore

/// The store every simulated node's driver talks to: it passes every call
/// to the node's real store (or a test's broken variant of it) and aims
/// injected commit failures. When `CommitFaults` is armed for a kind of
/// commit, the next commit of that kind is made to fail part-way through
/// the wrapped store's own `armCommitFailure()` (for `InMemoryStore`, the
/// transaction does its work and is then thrown away). Other commits pass.
final class AimedFailureStore: ForwardingStore, @unchecked Sendable {
    let faults: CommitFaults

    init(_ inner: any SimulatedStore, faults: CommitFaults) {
        self.faults = faults
        super.init(inner)
    }

    override func wrapping(_ crashed: any SimulatedStore) -> any SimulatedStore {
        AimedFailureStore(crashed, faults: faults)
    }

    override func crashed() -> any SimulatedStore {
        faults.disarm()
        return super.crashed()
    }

    /// Arms the wrapped store's failure if this commit is the aimed one.
    private func aim(_ kind: CommitKind) {
        if faults.take(kind) { inner.armCommitFailure() }
    }

    // MARK: Aimed commits (everything else is passed on as it is)

    override func commitLocal(_ change: LocalChange, sign: (_ signingBytes: [UInt8]) -> [UInt8], now: UInt64) throws(StoreError) -> DeltaBatch {
        aim(.localWrite)
        return try inner.commitLocal(change, sign: sign, now: now)
    }

    override func commitRemote(
        _ batch: DeltaBatch, delta: RecordCollection, clock: HLCTimestamp, audit: [AuditEvent], now: UInt64
    ) throws(StoreError) -> RemoteCommitOutcome {
        aim(.remoteBatches)
        return try inner.commitRemote(batch, delta: delta, clock: clock, audit: audit, now: now)
    }

    override func commitRemote(_ batches: [RemoteBatch], clock: HLCTimestamp, now: UInt64) throws(StoreError) -> [RemoteCommitOutcome] {
        aim(.remoteBatches)
        return try inner.commitRemote(batches, clock: clock, now: now)
    }

    override func commitReconciliation(
        _ delta: RecordCollection, collection: String, from peer: NodeID, clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> ApplyReport {
        aim(.reconciliation)
        return try inner.commitReconciliation(delta, collection: collection, from: peer, clock: clock, now: now)
    }

    override func adoptHeld(_ vector: BatchVector, contexts: [String: CausalContext], from peer: NodeID, now: UInt64) throws(StoreError) {
        aim(.reconciliation)
        try inner.adoptHeld(vector, contexts: contexts, from: peer, now: now)
    }
}
