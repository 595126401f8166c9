import NIOCore
import Synchronization
import TandemCore
import TandemStore

/// One thing for the sync driver to handle. The node queues inputs and
/// feeds them one at a time, so the driver is never entered while it is
/// already running (a write it makes can close a channel, and a closing
/// channel is itself an input).
enum NodeInput {
    case start
    case connected(NodeID)
    case disconnected(NodeID)
    /// Messages that arrived together from one peer (one read from its
    /// connection): their batches are committed in one transaction.
    case received([[UInt8]], from: NodeID)
    case timerFired
    /// Local changes to one collection, committed together as one batch.
    case local([LocalWrite])
    /// Check parity against `peer` (`SyncNode.checkPeerParity`).
    case checkParity(NodeID, timeoutMillis: UInt64)
}

/// A local change waiting for the driver: the records it loads, the delta
/// mutators to run, and the promise the caller awaits.
struct LocalWrite {
    var collection: String
    var records: [String]
    var change: @Sendable (inout RecordCollection, HLCTimestamp) throws -> RecordCollection
    /// Roughly how many bytes the change adds to a batch (0 if unknown):
    /// bounds how many changes a group commit takes.
    var estimatedBytes: Int
    /// An adapter's cursor and audit events, committed with the change; a
    /// write with a cursor is committed alone.
    var adapter: AdapterCommit? = nil
    /// The rules whose writes this is (`SyncNode.write(collection:records:firedBy:audit:)`);
    /// a write with rules is committed alone, with `audit`.
    var firedBy: [String] = []
    var audit: [AuditEvent] = []
    var promise: EventLoopPromise<DeltaBatch?>
}

/// What an adapter commits with its change: the cursor it advances and the
/// audit events its change closure collects while it runs.
final class AdapterCommit: Sendable {
    let cursor: AdapterCursorUpdate
    private let events = Mutex<[AuditEvent]>([])

    init(cursor: AdapterCursorUpdate) { self.cursor = cursor }

    func record(_ new: [AuditEvent]) { events.withLock { $0.append(contentsOf: new) } }

    var recorded: [AuditEvent] { events.withLock { $0 } }
}
