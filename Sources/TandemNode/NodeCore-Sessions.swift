import NIOCore
import TandemCore
import TandemNet

/// Connections and peer sessions: admission, authentication, inbound messages and closing.
extension NodeCore {
    /// Installs the transport and the node's handler on a new connection
    /// (from a bootstrap's initializer, on the event loop).
    func initialize(_ channel: any Channel, role: TransportRole, dialled: NodeID?) throws {
        guard running else { throw NodeError.notRunning }
        try channel.pipeline.syncOperations.configureTandemHandlers(
            role: role, identity: configuration.identity, allowList: configuration.allowList,
            expectedPeer: dialled, configuration: transport)
        try channel.pipeline.syncOperations.addHandler(PeerChannelHandler(core: self, role: role))
    }

    /// A connection became active. One the listener accepted is admitted
    /// as unauthenticated, which may close the oldest unauthenticated ones
    /// (see `HandshakeAdmission`).
    func opened(_ channel: any Channel, role: TransportRole) {
        guard running else {
            channel.close(promise: nil)
            return
        }
        let id = ObjectIdentifier(channel)
        channels[id] = channel
        guard role == .server else { return }
        guard let drop = admission.admit(id, address: channel.remoteAddress?.ipAddress) else { return }
        metrics.update {
            $0.unauthenticatedDropped += 1
            if drop.cap == .perAddress { $0.unauthenticatedDroppedPerAddress += 1 }
        }
        channels[drop.connection]?.close(promise: nil)
    }

    /// The transport authenticated `peer` on `channel`: adopt the channel as
    /// the peer's session unless a better one exists.
    ///
    /// When both nodes dial each other, two connections reach the same pair.
    /// Both nodes keep the one opened by the lower node id (the *preferred*
    /// one) and close the other; between two of equal standing, the newer
    /// wins (the older is most likely half-open, its peer having restarted).
    func authenticated(_ peer: NodeID, channel: any Channel, role: TransportRole) {
        admission.remove(ObjectIdentifier(channel))
        guard running, !refusesCutOff(peer, channel: channel) else {
            channel.close(promise: nil)
            return
        }
        let initiator = role == .client ? node : peer
        let preferred = initiator == min(node, peer)
        if role == .client { dialers[peer]?.failures = 0 }
        let existing = sessions[peer]
        if let existing {
            if existing.channel === channel { return }
            if existing.preferred && !preferred {
                metrics.update { $0.duplicateConnectionsClosed += 1 }
                channel.close(promise: nil)
                return
            }
        }
        if let existing { readComplete(existing.channel, peer: peer) }
        sessions[peer] = PeerSession(channel: channel, preferred: preferred)
        metrics.update { $0.sessionsOpened += 1 }
        publishPeers()
        if let existing {
            metrics.update {
                $0.duplicateConnectionsClosed += 1
                $0.sessionsClosed += 1
                $0.sendsDropped += existing.queued.count
            }
            existing.channel.close(promise: nil)
            feed(.disconnected(peer))
        }
        feed(.connected(peer))
    }

    /// A payload from `peer` arrived on `channel`: held with the others of
    /// the same read until `readComplete`.
    func received(_ buffer: ByteBuffer, from peer: NodeID, channel: any Channel) {
        guard let session = sessions[peer], session.channel === channel, !session.closing else { return }
        let bytes = Array(buffer.readableBytesView)
        metrics.update {
            $0.messagesReceived += 1
            $0.bytesReceived += bytes.count
        }
        session.inbox.append(bytes)
    }

    /// The read from `channel` is over: hands its messages to the driver in
    /// order, consecutive `batches` messages together (one transaction for
    /// the batches they carry: a node that falls behind commits more per
    /// sync to disk instead of falling further behind), the others one by
    /// one. Once the node closes the session (the peer is not reading), the
    /// rest is dropped: the peer offers it again when it reconnects. A read
    /// is at most a few socket buffers, so a burst stays small.
    func readComplete(_ channel: any Channel, peer: NodeID) {
        guard let session = sessions[peer], session.channel === channel, !session.inbox.isEmpty else { return }
        let messages = session.inbox
        session.inbox.removeAll()
        var run: [[UInt8]] = []
        for message in messages {
            if SyncMessage.looksLikeBatches(message) {
                run.append(message)
                continue
            }
            if !run.isEmpty { feed(.received(run, from: peer)) }
            run.removeAll()
            guard !session.closing else { return }
            feed(.received([message], from: peer))
        }
        if !run.isEmpty && !session.closing { feed(.received(run, from: peer)) }
    }

    /// A connection closed (after authentication if `peer` is set).
    func closed(_ channel: any Channel, peer: NodeID?) {
        let id = ObjectIdentifier(channel)
        channels[id] = nil
        unflushed[id] = nil
        admission.remove(id)
        if let peer, let session = sessions[peer], session.channel === channel {
            // What arrived before the close is still the peer's word.
            readComplete(channel, peer: peer)
            sessions[peer] = nil
            metrics.update {
                $0.sessionsClosed += 1
                $0.sendsDropped += session.queued.count
            }
            publishPeers()
            feed(.disconnected(peer))
        }
        for dialer in dialers.values where dialer.channel === channel {
            dialer.channel = nil
            if peer == nil { dialer.failures += 1 }
        }
        for peer in dialers.keys { ensureDialing(peer) }
    }

    private func publishPeers() {
        let peers = sessions.keys.sorted()
        status.update { $0.connectedPeers = peers }
    }
}
