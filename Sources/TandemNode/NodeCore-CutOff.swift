import NIOCore
import TandemCore
import TandemStore

/// Cutting off a peer that keeps sending what this node refuses
/// (`RefusalLedger` decides when): its session is closed, connections it
/// opens are refused and it is not dialled until `refusalCutOffMillis` have
/// passed. Counted (`NodeMetrics.peersCutOff`) and audited once.
extension NodeCore {
    func cutOff(_ peer: NodeID, limit: Int, intervalMillis: UInt64) {
        let millis = configuration.refusalCutOffMillis
        cutOffUntil[peer] = .now() + .milliseconds(Int64(clamping: millis))
        metrics.update { $0.peersCutOff += 1 }
        let detail = "peer \(peer.hex) sent more than \(limit) refused items within \(intervalMillis) ms: "
            + "connection closed, not accepted or dialled again for \(millis) ms"
        do {
            try store.appendAudit([AuditEvent(at: configuration.clock(), kind: .rejected, node: peer, detail: detail)])
        } catch {
            metrics.update { $0.storeFailures += 1 }
        }
        guard let session = sessions[peer], !session.closing else { return }
        session.closing = true
        // Closed once the driver is done: this runs inside one of its steps.
        let channel = session.channel
        eventLoop.assumeIsolated().execute { channel.close(promise: nil) }
    }

    /// Whether `peer` is cut off now.
    func isCutOff(_ peer: NodeID) -> Bool {
        guard let until = cutOffUntil[peer] else { return false }
        if until <= .now() {
            cutOffUntil[peer] = nil
            return false
        }
        return true
    }

    /// How long `peer` stays cut off, in milliseconds (0 if it is not).
    func cutOffRemainingMillis(_ peer: NodeID) -> UInt64 {
        guard isCutOff(peer), let until = cutOffUntil[peer] else { return 0 }
        return UInt64(max(0, (until - .now()).nanoseconds / 1_000_000))
    }

    /// Whether a connection `peer` completed is refused because it is cut
    /// off (counted).
    func refusesCutOff(_ peer: NodeID, channel: any Channel) -> Bool {
        guard isCutOff(peer) else { return false }
        metrics.update { $0.cutOffConnectionsRefused += 1 }
        return true
    }
}
