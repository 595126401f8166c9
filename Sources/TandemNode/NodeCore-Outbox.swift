import NIOCore
import TandemCore
import TandemStore
import TandemSync

/// The shell's side of the core: sending to peers (write buffering, flushing), the sync timer and events.
extension NodeCore {
    /// Writes an encoded sync message to `peer`'s session (flushed when the
    /// driver is done). While the channel is not writable, holds up to
    /// `maxQueuedBytesPerPeer`; a peer that lets more pile up is not reading
    /// and its connection is closed (see `disconnectNotReading`). Without a
    /// session, or while it closes, the message is dropped and counted.
    func send(_ bytes: [UInt8], to peer: NodeID) {
        guard let session = sessions[peer], !session.closing else {
            metrics.update { $0.sendsDropped += 1 }
            return
        }
        let buffer = session.channel.allocator.buffer(bytes: bytes)
        if session.queued.isEmpty && session.channel.isWritable {
            write(buffer, to: session)
        } else if session.queuedBytes + bytes.count <= configuration.maxQueuedBytesPerPeer {
            session.queued.append(buffer)
            session.queuedBytes += bytes.count
        } else {
            disconnectNotReading(peer, session: session, refused: bytes.count)
        }
    }

    /// Closes the session of a peer that does not read what this node sends
    /// (a peer that floods requests without reading the replies, or is
    /// stuck): dropping messages inside a live session would leave the
    /// protocol believing the peer holds batches it never got, and holding
    /// more would grow memory without bound. The refusal is counted and
    /// audited; the held messages are dropped, and when the peer reconnects
    /// the summaries exchanged offer it everything it lacks.
    private func disconnectNotReading(_ peer: NodeID, session: PeerSession, refused: Int) {
        session.closing = true
        let held = session.queuedBytes
        metrics.update {
            $0.peersNotReading += 1
            $0.sendsDropped += session.queued.count + 1
        }
        session.queued.removeAll()
        session.queuedBytes = 0
        let detail = "peer \(peer.hex) is not reading: \(held) bytes already held for it and \(refused) more would exceed "
            + "the limit of \(configuration.maxQueuedBytesPerPeer); connection closed, its batches are offered again when it reconnects"
        do {
            try store.appendAudit([AuditEvent(at: configuration.clock(), kind: .rejected, node: peer, detail: detail)])
        } catch {
            metrics.update { $0.storeFailures += 1 }
        }
        // Closed once the driver is done: closing fires `closed` at once,
        // which feeds the driver, and this runs inside one of its sends.
        let channel = session.channel
        eventLoop.assumeIsolated().execute { channel.close(promise: nil) }
    }

    private func write(_ buffer: ByteBuffer, to session: PeerSession) {
        let count = buffer.readableBytes
        let promise = eventLoop.makePromise(of: Void.self)
        promise.futureResult.assumeIsolated().whenFailure { [metrics] _ in
            metrics.update { $0.sendsDropped += 1 }
        }
        session.channel.write(buffer, promise: promise)
        unflushed[ObjectIdentifier(session.channel)] = session.channel
        metrics.update {
            $0.messagesSent += 1
            $0.bytesSent += count
        }
    }

    func flushWritten() {
        guard !unflushed.isEmpty else { return }
        for channel in unflushed.values { channel.flush() }
        unflushed.removeAll(keepingCapacity: true)
    }

    /// Sends what was held for `channel`'s peer while it is writable.
    func writabilityChanged(_ channel: any Channel) {
        guard channel.isWritable, let session = sessions.values.first(where: { $0.channel === channel }), !session.closing
        else { return }
        var wrote = false
        while channel.isWritable, let next = session.queued.popFirst() {
            session.queuedBytes -= next.readableBytes
            write(next, to: session)
            wrote = true
        }
        if wrote {
            unflushed[ObjectIdentifier(channel)] = nil
            channel.flush()
        }
    }

    func scheduleTimer(afterMillis millis: UInt64) {
        timer?.cancel()
        timer = eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(clamping: millis))) { [self] in
            timer = nil
            feed(.timerFired)
        }
    }

    func observe(_ event: SyncEvent) {
        metrics.update { $0.count(event) }
        if case .refusalLimitReached(let peer, let limit, let interval) = event {
            cutOff(peer, limit: limit, intervalMillis: interval)
        }
        if case .peerParityChecked(let report) = event {
            for waiter in parityWaiters.removeValue(forKey: report.peer) ?? [] { waiter.succeed(report) }
        }
        configuration.observer?(event)
    }
}
