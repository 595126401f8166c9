import Prometheus

extension DaemonMetrics {
    /// Every outcome a peer parity check can have (`PeerParityOutcome.label`).
    static let peerParityOutcomes = ["in_sync", "repaired", "differences", "unreachable", "timed_out"]

    /// Records a peer parity check: `tandem_peer_parity_repaired_total{peer}`
    /// grows by the records it repaired (both sides), and
    /// `tandem_peer_parity_last_outcome{peer,outcome}` is 1 for its outcome
    /// and 0 for the others.
    public func recordPeerParity(peer: String, outcome: String, repaired: UInt64) {
        registry.makeCounter(
            descriptor: Self.name(
                "peer_parity_repaired", unit: "total",
                help: "Records repaired (here and on the peer) by parity checks against each peer"),
            labels: [("peer", peer)]
        ).increment(by: Int64(clamping: repaired))
        for candidate in Self.peerParityOutcomes {
            registry.makeGauge(
                descriptor: Self.name(
                    "peer_parity_last", unit: "outcome",
                    help: "1 for the outcome of the last parity check against each peer, 0 for the others"),
                labels: [("peer", peer), ("outcome", candidate)]
            ).set(to: candidate == outcome ? 1 : 0)
        }
    }
}
