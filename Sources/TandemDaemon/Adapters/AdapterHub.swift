import Synchronization
public import TandemAdapters
import TandemCore
import TandemStore
public import TandemSync

/// The adapters a daemon runs, and the relay that feeds them the node's
/// events: every `SyncEvent` the node observes is forwarded to every
/// registered runner, and the admin endpoint reaches the runners through it.
///
/// The node starts before its adapters, so records that peers change
/// before an adapter registers are remembered (per collection) and handed
/// to it when it registers; ``seal()`` ends that once every adapter is in.
///
/// Guarantees: safe from any thread; a record changed by a peer after the
/// hub was made reaches every adapter of its collection, whenever that
/// adapter registered.
public final class AdapterHub: Sendable {
    /// One registered adapter.
    public struct Entry: Sendable {
        public let settings: AdapterSettings
        public let runner: AdapterRunner

        /// The adapter's stable name (`collection/kind/table`).
        public var name: String { settings.name }
    }

    private struct State {
        var entries: [Entry] = []
        /// Changed records by collection, until sealed.
        var pending: [String: [String]]? = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// The registered adapters, in registration order.
    public var entries: [Entry] { state.withLock { $0.entries } }

    /// Adds a started runner and hands it the records changed so far.
    public func register(_ settings: AdapterSettings, runner: AdapterRunner) {
        let missed = state.withLock { state in
            state.entries.append(Entry(settings: settings, runner: runner))
            return state.pending?[settings.collection] ?? []
        }
        runner.noteChanged(missed)
    }

    /// Stops remembering changes for adapters still to come.
    public func seal() { state.withLock { $0.pending = nil } }

    /// Forwards a node event to every runner (call from the node's observer).
    public func forward(_ event: SyncEvent) {
        let entries = state.withLock { state in
            if state.pending != nil {
                switch event {
                case .applied(let batch, let report):
                    state.pending?[batch.collection, default: []] += report.changedRecords + report.removedRecords
                case .reconciled(let collection, let report):
                    state.pending?[collection, default: []] += report.changedRecords + report.removedRecords
                default: break
                }
            }
            return state.entries
        }
        for entry in entries { entry.runner.observe(event) }
        // A change one adapter captured reaches the node's other adapters
        // of that collection (the batch says which records it wrote).
        if case .committedLocally(let batch) = event,
           entries.filter({ $0.settings.collection == batch.collection }).count > 1,
           let delta = try? batch.delta() {
            noteChanged(collection: batch.collection, records: Array(delta.recordIDs))
        }
    }

    /// Notes records of `collection` changed on this node (a restored
    /// value): every adapter of the collection writes them to its table.
    public func noteChanged(collection: String, records: [String]) {
        for entry in entries where entry.settings.collection == collection { entry.runner.noteChanged(records) }
    }

    /// The adapter named `name` (its stable name or its table), or all when nil.
    public func select(_ name: String?) -> [Entry] {
        guard let name else { return entries }
        return entries.filter { $0.name == name || $0.settings.table == name }
    }

    /// Stops every registered runner (start-up failed after some started).
    public func stopAll() async {
        for entry in entries { await entry.runner.stop() }
    }
}
