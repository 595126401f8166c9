// PendingBatch: a verified batch between the sync machine and the store.

/// A verified batch on its way to the store (or waiting in the drift hold).
struct PendingBatch: Sendable {
    var batch: DeltaBatch
    var delta: RecordCollection
    var source: NodeID
}
