import TandemCore
import TandemNode

extension ParityCheck {
    /// How long a peer parity check may take before it is reported timed out.
    static let peerParityTimeout: Duration = .seconds(60)

    /// Checks this node's CRDT state against each peer's over the protocol
    /// (`SyncNode.checkPeerParity`), repairs what differs where trust
    /// allows, and records the outcome per peer in the metrics.
    func peerParity() async throws -> [AdapterReports.PeerParity] {
        try await node.checkPeerParity(timeout: Self.peerParityTimeout).map { report in
            let name = peerNames[report.peer] ?? report.peer.hex
            metrics.recordPeerParity(peer: name, outcome: report.outcome.label, repaired: report.recordsRepaired)
            return AdapterReports.PeerParity(peer: name, report)
        }
    }
}
