import Synchronization

/// Decides when the records a node takes in by digest reconciliation (a new
/// node's first sync, or a peer catching up past compacted batches: a
/// snapshot transfer) are logged: the first chunk of a transfer at once,
/// then at most one line per ``every`` (5 s) per collection, with the
/// records taken in so far and the rate, so a long transfer shows progress
/// on a terminal. A pause longer than ``every`` starts a new transfer.
///
/// Guarantees: at most one line per collection per interval; counts never
/// lost between lines (each line carries the running total).
struct ReconcileProgress {
    struct Transfer {
        var started: ContinuousClock.Instant
        var last: ContinuousClock.Instant
        var logged: ContinuousClock.Instant
        var records: Int
    }

    var every: Duration = .seconds(5)
    private var transfers: [String: Transfer] = [:]

    init(every: Duration = .seconds(5)) { self.every = every }

    /// Notes `records` taken into `collection` at `now`; the line to log, if due.
    mutating func note(collection: String, records: Int, at now: ContinuousClock.Instant) -> String? {
        guard var transfer = transfers[collection], now - transfer.last <= every else {
            transfers[collection] = Transfer(started: now, last: now, logged: now, records: records)
            return "reconciling \(collection): \(records) records taken in"
        }
        transfer.records += records
        transfer.last = now
        defer { transfers[collection] = transfer }
        guard now - transfer.logged >= every else { return nil }
        transfer.logged = now
        let seconds = Double((now - transfer.started).components.seconds)
            + Double((now - transfer.started).components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(transfer.records) / seconds) : transfer.records
        return "reconciling \(collection): \(transfer.records) records taken in so far, \(rate) records/s"
    }
}

/// ``ReconcileProgress`` shared by the event handlers of one node.
final class SharedReconcileProgress: Sendable {
    private let progress = Mutex(ReconcileProgress())

    func note(collection: String, records: Int) -> String? {
        progress.withLock { $0.note(collection: collection, records: records, at: .now) }
    }
}
