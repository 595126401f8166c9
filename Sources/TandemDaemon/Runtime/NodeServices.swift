import Logging
import ServiceLifecycle
import TandemCore
import TandemNode

/// Keeps a started node running until graceful shutdown, then shuts it
/// down (closing connections, flushing refusals, closing the store).
///
/// Guarantees: `node.shutdown()` runs exactly once when the group shuts
/// down or is cancelled; it is the last service to stop, so adapters have
/// finished first.
struct NodeService: Service, CustomStringConvertible {
    let node: SyncNode
    let logger: Logger

    var description: String { "node" }

    func run() async throws {
        try? await gracefulShutdown()
        logger.info("shutting down")
        try await node.shutdown()
    }
}

/// Watches which peers have a session (every 200 ms), logs each connect
/// and disconnect once and keeps the ``PeerTracker`` current for status.
struct PeerWatchService: Service, CustomStringConvertible {
    let node: SyncNode
    let tracker: PeerTracker
    let log: NodeEventLog
    let clock: @Sendable () -> UInt64

    var description: String { "peer-watch" }

    func run() async throws {
        let node = self.node
        let tracker = self.tracker
        let log = self.log
        let clock = self.clock
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let changes = tracker.observe(connected: Set(node.connectedPeers), now: clock())
                for peer in changes.connected { log.peerConnected(peer) }
                for peer in changes.disconnected { log.peerDisconnected(peer) }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}
