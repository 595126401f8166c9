import NIOCore
import NIOPosix
import TandemCore
import TandemNet

/// Dialling configured peers: whether to, when (backoff and cut-off) and the connection attempt.
extension NodeCore {
    /// Whether this node should open a connection to `peer`: it has no
    /// session with it, or only one the peer opened while this node has the
    /// lower id (its own connection is the preferred one).
    private func shouldDial(_ peer: NodeID, evenIfCutOff: Bool = false) -> Bool {
        guard running, evenIfCutOff || !isCutOff(peer) else { return false }
        guard let session = sessions[peer] else { return true }
        return node < peer && !session.preferred
    }

    /// Schedules the next attempt to `peer` after the backoff, unless one is
    /// scheduled or in progress, or no attempt is needed.
    func ensureDialing(_ peer: NodeID) {
        // A peer cut off is dialled again once its cut-off is over.
        guard let dialer = dialers[peer], dialer.retry == nil, !dialer.connecting, dialer.channel == nil,
              shouldDial(peer, evenIfCutOff: true)
        else { return }
        let delay = max(configuration.reconnect.delayMillis(afterFailures: dialer.failures), cutOffRemainingMillis(peer))
        dialer.retry = eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(clamping: delay))) { [self] in
            dialer.retry = nil
            if shouldDial(peer) { dial(peer) }
        }
    }

    func dial(_ peer: NodeID) {
        guard running, let dialer = dialers[peer], !dialer.connecting, dialer.channel == nil else { return }
        dialer.connecting = true
        metrics.update { $0.dials += 1 }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.milliseconds(configuration.connectTimeoutMillis))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: Self.waterMark)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try bound.value.initialize(channel, role: .client, dialled: peer) }
            }
            .connect(host: dialer.address.host, port: dialer.address.port)
            .assumeIsolated()
            .whenComplete { [self] result in
                dialer.connecting = false
                switch result {
                case .success(let channel) where channels[ObjectIdentifier(channel)] != nil:
                    dialer.channel = channel
                case .success:
                    // Closed before this callback ran (never authenticated).
                    dialer.failures += 1
                case .failure:
                    dialer.failures += 1
                    metrics.update { $0.dialFailures += 1 }
                }
                ensureDialing(peer)
            }
    }
}
