import NIOCore
import TandemCore

/// Parity checks against peers, on the node's event loop.
extension NodeCore {
    /// Starts a parity check against every configured and every connected
    /// peer; the future holds one report per peer, in node-id order.
    func checkPeerParity(timeoutMillis: UInt64) -> EventLoopFuture<[PeerParityReport]> {
        let peers = Set(configuration.peers.map(\.node)).union(sessions.keys).sorted()
        var reports: [EventLoopFuture<PeerParityReport>] = []
        for peer in peers {
            let promise = eventLoop.makePromise(of: PeerParityReport.self)
            parityWaiters[peer, default: []].append(promise)
            reports.append(promise.futureResult)
        }
        for peer in peers { feed(.checkParity(peer, timeoutMillis: timeoutMillis)) }
        return EventLoopFuture.whenAllSucceed(reports, on: eventLoop)
    }
}
