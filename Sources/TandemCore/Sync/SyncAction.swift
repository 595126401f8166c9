/// What the machine asks its shell to do. The shell (the TCP node or the
/// simulator) carries actions out and feeds the results back as inputs.
public enum SyncAction: Sendable {
    /// Send `message` to `peer`.
    case send(SyncMessage, to: NodeID)
    /// Read from the delta log the batches in `ids` and send them to `peer`
    /// in messages of at most `maxPerMessage` batches. (Reading the log is
    /// I/O, so the shell does it; the machine chose the ids.)
    case sendFromLog(ids: [Dot], to: NodeID, maxPerMessage: Int)
    /// Commit this verified batch (its delta decoded and checked) to the
    /// store, then report `batchCommitted` or `batchCommitFailed`.
    case apply(DeltaBatch, RecordCollection, from: NodeID)
    /// Record that `peer` holds every batch of `vector` (for compaction).
    case persistAcknowledged(BatchVector, by: NodeID)
    /// Count and audit a refusal; nothing else changes.
    case reject(SyncRejection, from: NodeID)
    /// A batch is held until local time is within the drift bound: report it.
    case holdForClockSkew(batch: Dot, ClockDrift, from: NodeID)
    /// A batch arrived that this node already held or was applying: counted
    /// as redundant reception, not applied again.
    /// (The batch itself rides along: the shell compares it with the copy
    /// it holds, since two different batches under one (origin, sequence)
    /// are an equivocation by the origin.)
    case dropDuplicate(DeltaBatch, from: NodeID, held: Bool)
    /// A batch's context claims writes of another node that have not arrived
    /// here yet: it is not applied and not held, so anti-entropy offers it
    /// again, and it is applied once they have (causal delivery). Counted.
    case deferForCausality(batch: Dot, ContextClaimViolation, from: NodeID)
    /// Call back with `timerFired` after this many milliseconds.
    case scheduleTimer(afterMillis: UInt64)
    /// `peer` lacks batches this node has compacted out of its log: send it
    /// a `stateDigest` (reconciliation, step 1).
    case sendStateDigest(to: NodeID)
    /// Read what a `stateDigest` or `bucketDigests` message from `peer`
    /// needs of the store (leaf digests, contexts), run the matching
    /// `ReconciliationStep`, and carry out its actions. Records for a peer
    /// that is not a state source go as replies (`peerIsStateSource`).
    case reconcile(SyncMessage, from: NodeID, peerIsStateSource: Bool)
    /// Read this node's records of `chunk`'s leaves and its context, run
    /// `ReconciliationStep.records` on `theirs` (the chunk's records, already
    /// verified, decoded, and within the drift bound; the clock has taken
    /// their newest timestamp), and carry out its actions.
    case reconcileRecords(RecordsChunk, theirs: RecordCollection, from: NodeID)
    /// A records chunk from a state source is dated beyond the drift bound:
    /// not joined now (digest reconciliation asks again every round).
    case deferRecordsForClockSkew(collection: String, ClockDrift, from: NodeID)
    /// Read the root of every collection and send `peer` a `parityRequest`
    /// numbered `check` with the machine's `held`; then report
    /// `parityRequestSent` with the roots sent.
    case sendParityRequest(check: UInt64, to: NodeID)
    /// Answer `peer`'s parity request (`ReconciliationStep.parityRequest`):
    /// compare the roots at the same batch vector, reply, and start the
    /// drill-down when this node takes the peer's records (`peerIsStateSource`).
    case answerParity(check: UInt64, held: BatchVector, roots: [CollectionRoot], from: NodeID, peerIsStateSource: Bool)
    /// Send `peer` the level-1 bucket digests of `collections`: the
    /// drill-down of a parity check, started by this node.
    case drillDown(collections: [String], to: NodeID)
    /// A parity check ended: the shell adds what it counted and reports it.
    case parityCheckFinished(PeerParityResult)
}
