import TandemCore
import TandemStore
import TandemSync

/// Log compaction, as the daemon runs it: through the driver, for the
/// node's configured peers (its neighbours in the topology), keeping
/// batches for a short retention.
extension Simulation {
    static let compactionRetentionMillis: UInt64 = 500

    func compact(_ index: Int, item: Int) {
        guard nodes[index].isUp else { return }
        let peers = plan.topology.neighbours[index].map { nodes[$0].id }
        let time = wall(index)
        do {
            let removed = try nodes[index].driver?.compactLog(
                LogCompaction(retentionMillis: Simulation.compactionRetentionMillis), peers: peers, now: time) ?? 0
            metrics.batchesCompacted += removed
            trace("n\(index) compacts its delta log (#\(item)): \(removed) batches removed")
        } catch {
            metrics.storeFailures += 1
            trace("n\(index) compaction failed (#\(item)): \(error)")
        }
        drain(index)
    }
}
