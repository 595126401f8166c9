import Foundation
import Synchronization
import TandemAdapters
import TandemCore
import TandemNode
import TandemStore

/// The node's parity check: the one function both `POST /parity`
/// (`tandem parity`) and the schedule (`parity_interval_minutes`) call.
///
/// For each selected adapter it sweeps every record of the collection,
/// compares it with its row, rewrites the rows that differ from the CRDT
/// state and counts them; the ratio (1 − repairs / records) becomes the
/// `tandem_record_parity_ratio` gauge, the status's record parity and the
/// figure the parity alert reads. When no adapter is named it also checks
/// the node's CRDT state against each peer's by digest over the protocol
/// (`peerParity()`), so the schedule and the command run the same thing.
///
/// Guarantees: an adapter holding deletes for approval is skipped (its
/// report says why; its ratio is left as it was), since the sweep would
/// write the held rows back; an adapter name matching none is an error
/// naming the adapters there are; the time of the last completed check is
/// kept for status.
final class ParityCheck: Sendable {
    let node: SyncNode
    let hub: AdapterHub
    let metrics: DaemonMetrics
    /// Configured peer names by node id, for reports and metrics.
    let peerNames: [NodeID: String]
    private let lastRun = Mutex<Date?>(nil)

    init(node: SyncNode, hub: AdapterHub, metrics: DaemonMetrics, peerNames: [NodeID: String]) {
        self.node = node
        self.hub = hub
        self.metrics = metrics
        self.peerNames = peerNames
    }

    /// When the last check finished (nil before the first).
    var lastCompleted: Date? { lastRun.withLock { $0 } }

    /// Runs the check now on `adapter` (or every adapter and every peer)
    /// and reports each.
    func run(adapter: String?) async throws -> AdapterReports.ParityRun {
        var reports: [AdapterReports.Parity] = []
        for entry in try hub.selected(adapter) {
            // A sweep would write rows of held deletes back before anyone
            // decided: such an adapter is skipped until the hold is released.
            let held = await entry.runner.currentStatus().heldDeletes
            if held > 0 {
                reports.append(AdapterReports.Parity(
                    adapter: entry.name, collection: entry.settings.collection, records: 0, repairs: 0, ratio: 1,
                    skipped: "\(held) held deletes wait for approval (tandem deletes)"))
                continue
            }
            let repairs = await entry.runner.checkParity()
            let collection = entry.settings.collection
            let records = try await node.reading { store in
                try store.leafDigests(collection).values.reduce(UInt64(0)) { $0 + $1.count }
            }
            let ratio = records == 0 ? 1 : max(0, 1 - Double(repairs) / Double(records))
            metrics.setParity(collection: entry.settings.collection, adapter: entry.name, ratio: ratio)
            reports.append(AdapterReports.Parity(
                adapter: entry.name, collection: entry.settings.collection, records: records, repairs: repairs, ratio: ratio))
        }
        let peers = adapter == nil ? try await peerParity() : []
        lastRun.withLock { $0 = Date() }
        return AdapterReports.ParityRun(adapters: reports, peers: peers)
    }
}
