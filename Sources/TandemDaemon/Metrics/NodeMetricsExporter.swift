import Prometheus
import Synchronization
import TandemCore
import TandemNode

/// Copies a node's `NodeMetrics` snapshots and per-peer figures into the
/// Prometheus registry of ``DaemonMetrics``.
///
/// Guarantees: each exported counter equals the node's counter at the last
/// ``export(_:peers:)`` (counters are advanced by the difference, never set
/// back); gauges hold the last exported values.
final class NodeMetricsExporter: Sendable {
    private let metrics: DaemonMetrics
    private let exported = Mutex<[String: Int]>([:])

    init(metrics: DaemonMetrics) {
        self.metrics = metrics
    }

    /// One peer's figures for the gauges.
    struct PeerFigures {
        var name: String
        var connected: Bool
        /// Batches held here that the peer has not acknowledged.
        var backlog: UInt64?
    }

    func export(_ snapshot: NodeMetrics, peers: [PeerFigures]) {
        gauge("peers_connected", "", "Peers with an open session", []).set(to: Double(peers.filter(\.connected).count))
        for peer in peers {
            gauge("peer_connected", "", "1 while the peer has an open session", [("peer", peer.name)])
                .set(to: peer.connected ? 1 : 0)
            if let backlog = peer.backlog {
                gauge("peer_backlog", "batches", "Batches held here that the peer has not acknowledged", [("peer", peer.name)])
                    .set(to: Double(backlog))
            }
        }
        counter("deltas_received", "Peers' batches committed here", [], snapshot.appliedBatches)
        counter("deltas_local", "Batches made by this node", [], snapshot.localBatches)
        counter("messages_sent", "Sync messages written to peers", [], snapshot.messagesSent)
        counter("messages_received", "Sync messages received from peers", [], snapshot.messagesReceived)
        counter("bytes_sent", "Bytes of sync messages written to peers (plaintext)", [], snapshot.bytesSent)
        counter("bytes_received", "Bytes of sync messages received from peers (plaintext)", [], snapshot.bytesReceived)
        counter("duplicate_deltas", "Batches received that were already held", [], snapshot.duplicates)
        counter("reconciled_chunks", "Reconciliation record chunks joined", [], snapshot.reconciledChunks)
        for (reason, count) in snapshot.rejections {
            counter("rejected_messages", "Input refused, by reason", [("reason", reason)], count)
        }
        for (reason, count) in snapshot.transportRejections {
            counter("rejected_messages", "Input refused, by reason", [("reason", "transport_\(reason)")], count)
        }
        let errors: [(String, Int)] = [
            ("store_failure", snapshot.storeFailures), ("send_dropped", snapshot.sendsDropped),
            ("peer_not_reading", snapshot.peersNotReading), ("peer_cut_off", snapshot.peersCutOff),
            ("dial_failure", snapshot.dialFailures), ("deferred_batch", snapshot.deferredBatches),
            ("held_for_clock_skew", snapshot.heldForClockSkew),
            ("equivocating_origin", snapshot.equivocatingOrigins.count), ("diverged_peer", snapshot.divergedPeers.count),
        ]
        for (kind, count) in errors {
            counter("sync_errors", "Sync errors and anomalies, by kind", [("kind", kind)], count)
        }
        counter("sessions_opened", "Peer sessions opened", [], snapshot.sessionsOpened)
        counter("sessions_closed", "Peer sessions closed", [], snapshot.sessionsClosed)
        counter("dials", "Outgoing connection attempts", [], snapshot.dials)
        counter("batches_compacted", "Batches removed from the delta log by compaction", [], snapshot.batchesCompacted)
    }

    /// Exports each adapter's status (`tandem_adapter_*{adapter,collection}`).
    func exportAdapters(_ adapters: [StatusReport.Adapter]) {
        for adapter in adapters {
            let labels = [("adapter", adapter.name), ("collection", adapter.collection)]
            counter("adapter_captured", "Row changes an adapter captured and committed", labels, adapter.captured)
            counter("adapter_written", "Writes an adapter made to its table", labels, adapter.written)
            counter("adapter_errors", "Driver errors of an adapter (connection, schema), retried", labels, adapter.errors)
            counter(
                "adapter_lost_edits", "Captured edits that lost to later edits (conflicts, kept in the audit log)", labels,
                adapter.lostEdits)
            for (reason, count) in adapter.issues {
                counter("adapter_issues", "Rows an adapter could not sync, by reason", labels + [("reason", reason)], count)
            }
            gauge("adapter_retrying", "records", "Records whose write the table refuses, waiting to be retried", labels)
                .set(to: Double(adapter.retrying))
            gauge("adapter_held_deletes", "", "Deletes held for approval", labels).set(to: Double(adapter.heldDeletes))
            gauge("adapter_paused", "", "1 while the adapter is paused (schema drift)", labels)
                .set(to: adapter.state == "paused" ? 1 : 0)
            gauge("adapter_backfilled", "rows", "Rows imported by the adapter's backfill", labels)
                .set(to: Double(adapter.backfilledRows))
        }
    }

    private func gauge(_ name: String, _ unit: String, _ help: String, _ labels: [(String, String)]) -> Gauge {
        metrics.registry.makeGauge(descriptor: DaemonMetrics.name(name, unit: unit, help: help), labels: labels)
    }

    /// Advances counter `tandem_<name>_total{labels}` to `value`.
    private func counter(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Int) {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let increase = exported.withLock { exported -> Int in
            let before = exported[key] ?? 0
            guard value > before else { return 0 }
            exported[key] = value
            return value - before
        }
        let counter = metrics.registry.makeCounter(
            descriptor: DaemonMetrics.name(name, unit: "total", help: help), labels: labels)
        if increase > 0 { counter.increment(by: Int64(increase)) }
    }
}
