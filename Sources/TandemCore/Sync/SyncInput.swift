/// An input to the sync state machine: everything that can happen to a node.
public enum SyncInput: Sendable {
    /// A connection to `peer` completed its handshake.
    case peerConnected(NodeID)
    /// The connection to `peer` ended.
    case peerDisconnected(NodeID)
    /// A message arrived from an authenticated peer.
    case received(SyncMessage, from: NodeID)
    /// This node committed a batch of its own (already durable).
    case localBatchCommitted(DeltaBatch)
    /// The shell committed a batch the machine asked it to apply
    /// (`SyncAction.apply`): `applied` is false if the store already held it.
    case batchCommitted(DeltaBatch, from: NodeID?, applied: Bool)
    /// The shell failed to commit a batch (disk full, I/O error); it is not
    /// held, so anti-entropy will offer it again.
    case batchCommitFailed(DeltaBatch, from: NodeID?)
    /// The store did not apply a batch because its causal context claims
    /// what this node does not admit (`ContextClaims`); nothing changed.
    case batchRefused(DeltaBatch, from: NodeID?, ContextClaimViolation)
    /// The timer the machine asked for fired.
    case timerFired
    /// Reconciliation found this node's state equal to a peer's whose
    /// vector held `vector`; the shell recorded `vector` as held (and the
    /// part of it not in this node's log as compacted).
    case heldAdopted(BatchVector)
    /// The shell removed these batches from the delta log; peers that lack
    /// them will be brought up to date by reconciliation.
    case logCompacted(BatchVector)
    /// Check this node's records against `peer`'s now (on demand): compare
    /// at a moment both hold the same batches, repair what differs where
    /// trust allows, and report (`SyncAction.parityCheckFinished`) within
    /// `timeoutMillis`. A check already running against `peer` goes on.
    case checkParity(with: NodeID, timeoutMillis: UInt64)
    /// The shell sent `parityRequest` number `check` to `peer` with this
    /// batch vector and these roots (`SyncAction.sendParityRequest`), read
    /// together from the machine and the store.
    case parityRequestSent(to: NodeID, check: UInt64, held: BatchVector, roots: [CollectionRoot])
}
