import NIOCore
import TandemCore
import TandemCrypto

/// The encrypted session after the handshake: encrypts outbound payloads,
/// decrypts inbound frames, keeps the connection alive and closes it on any
/// transport error.
///
/// Inbound it accepts ``Frame``s and passes each decrypted application
/// payload on as a `ByteBuffer`; outbound it accepts `ByteBuffer` payloads
/// and writes ``Frame``s. It is the last Tandem handler in the pipeline and
/// the one that reports and closes (see ``TransportEvents``).
///
/// Guarantees:
/// - Fires ``PeerAuthenticated`` once, when the handshake completes; passes
///   no payload inbound before it; fails writes made before it with
///   ``TransportError/sessionNotEstablished(peer:)``.
/// - Each direction is one secretstream (see ``SessionCipher``). A Sealed
///   frame that was tampered with, reordered, replayed or preceded by a
///   dropped one fails decryption: ``TransportError/decryptionFailed(peer:)``,
///   and the connection closes.
/// - Heartbeats: when nothing was sent during a whole
///   ``TransportConfiguration/heartbeatInterval`` it sends an encrypted
///   keepalive (skipped while the channel is not writable, since queued data
///   will reach the peer first); when nothing was received for
///   ``TransportConfiguration/idleTimeout`` it closes with
///   ``TransportError/idleTimeout(after:peer:)``. Only frames that decrypt
///   count as received.
/// - Back-pressure: it never buffers payloads itself. Each write is encrypted
///   and passed to the channel at once; the channel's writability (its write
///   buffer water marks, surfaced as `channelWritabilityChanged` and
///   `Channel.isWritable`) tells the writer when to pause, and a write that
///   would take the bytes written but not yet accepted by the socket past
///   ``TransportConfiguration/maximumQueuedOutboundBytes`` fails with
///   ``TransportError/outboundQueueFull(queuedBytes:limit:peer:)`` without
///   closing the connection. Inbound, a peer that sends faster than the node
///   reads is held back by TCP once the node turns `autoRead` off (or reads
///   through `NIOAsyncChannel`, which does so); the transport holds at most
///   one partial frame of at most ``TransportConfiguration/maximumFrameLength``
///   bytes.
/// - Any error reaching it (from itself, the handshake or the frame decoder)
///   is reported to ``TransportEvents/rejected`` (if it is a
///   ``TransportError``), fired on with the peer's address and node filled
///   in, and the channel is closed. Only the first error is handled; later
///   ones are dropped.
final class SecureSessionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = Frame
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = Frame

    private struct Session {
        let peer: NodeID
        var cipher: SessionCipher
        var lastReceived: NIODeadline
        var sentSinceTick: Bool
    }

    private enum State {
        case awaitingHandshake
        case established(Session)
        case closed
    }

    private let configuration: TransportConfiguration
    private let expectedPeer: NodeID?
    private var state: State = .awaitingHandshake
    private var heartbeatTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var queuedOutboundBytes = 0
    /// Set by the first failure; later errors are dropped.
    private var failed = false

    init(configuration: TransportConfiguration, expectedPeer: NodeID?) {
        self.configuration = configuration
        self.expectedPeer = expectedPeer
    }

    // MARK: Inbound

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let completed = event as? HandshakeCompleted else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        establish(completed.outcome, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch state {
        case .established(var session):
            do throws(TransportError) {
                let plaintext = try session.cipher.open(frame)
                session.lastReceived = context.eventLoop.now
                state = .established(session)
                if case .data(let bytes) = plaintext {
                    var payload = context.channel.allocator.buffer(capacity: bytes.count)
                    payload.writeBytes(bytes)
                    context.fireChannelRead(wrapInboundOut(payload))
                }
            } catch {
                fail(error, context: context)
            }
        case .awaitingHandshake:
            // The handshake handler passes nothing on before it completes.
            let error = TransportError.unexpectedFrame(
                type: frame.type,
                phase: "before the handshake completed",
                peer: .unknown
            )
            fail(error, context: context)
        case .closed:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        cancelTimers()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context: context)
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let payload = unwrapOutboundIn(data)
        guard case .established(var session) = state else {
            if case .closed = state {
                promise?.fail(ChannelError.ioOnClosedChannel)
            } else {
                promise?.fail(TransportError.sessionNotEstablished(peer: knownPeer(context)))
            }
            return
        }
        let limit = configuration.maximumPayloadSize
        guard payload.readableBytes <= limit else {
            promise?.fail(TransportError.payloadTooLarge(size: payload.readableBytes, limit: limit, peer: knownPeer(context)))
            return
        }
        let wireBytes = 4 + Frame.minimumLength + SecretStream.additionalByteCount + 1 + payload.readableBytes
        let queueLimit = configuration.maximumQueuedOutboundBytes
        guard queuedOutboundBytes + wireBytes <= queueLimit else {
            let error = TransportError.outboundQueueFull(
                queuedBytes: queuedOutboundBytes,
                limit: queueLimit,
                peer: knownPeer(context)
            )
            promise?.fail(error)
            return
        }
        var plaintext: [UInt8] = []
        plaintext.reserveCapacity(payload.readableBytes + 1)
        plaintext.append(SessionPlaintext.dataKind)
        plaintext.append(contentsOf: payload.readableBytesView)
        session.sentSinceTick = true
        state = .established(session)
        writeSealed(plaintext, cipher: session.cipher, context: context, promise: promise)
    }

    private func writeSealed(
        _ plaintext: [UInt8],
        cipher: SessionCipher,
        context: ChannelHandlerContext,
        promise: EventLoopPromise<Void>?
    ) {
        let frame = cipher.seal(plaintext, allocator: context.channel.allocator)
        let wireBytes = 4 + frame.encodedLength
        queuedOutboundBytes += wireBytes
        let written = promise ?? context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { [self] _ in
            queuedOutboundBytes -= wireBytes
        }
        context.write(wrapOutboundOut(frame), promise: written)
    }

    // MARK: Session start

    private func establish(_ outcome: HandshakeOutcome, context: ChannelHandlerContext) {
        guard case .awaitingHandshake = state else { return }
        let cipher: SessionCipher
        do {
            cipher = try SessionCipher(keys: outcome.keys)
        } catch {
            fail(error, context: context)
            return
        }
        let now = context.eventLoop.now
        state = .established(Session(peer: outcome.peer, cipher: cipher, lastReceived: now, sentSinceTick: true))
        context.writeAndFlush(wrapOutboundOut(cipher.headerFrame(allocator: context.channel.allocator)), promise: nil)
        scheduleHeartbeat(context: context)
        scheduleIdleCheck(at: now + configuration.idleTimeout, context: context)
        let event = PeerAuthenticated(node: outcome.peer)
        configuration.events.authenticated(event)
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Timers

    private func scheduleHeartbeat(context: ChannelHandlerContext) {
        heartbeatTimer = context.eventLoop.assumeIsolated().scheduleTask(in: configuration.heartbeatInterval) {
            [self] in
            heartbeatTick(context: context)
        }
    }

    private func heartbeatTick(context: ChannelHandlerContext) {
        guard case .established(var session) = state else { return }
        if !session.sentSinceTick && context.channel.isWritable {
            writeSealed(SessionPlaintext.encode(.keepalive), cipher: session.cipher, context: context, promise: nil)
            context.flush()
        }
        session.sentSinceTick = false
        state = .established(session)
        scheduleHeartbeat(context: context)
    }

    private func scheduleIdleCheck(at deadline: NIODeadline, context: ChannelHandlerContext) {
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            idleCheck(context: context)
        }
    }

    private func idleCheck(context: ChannelHandlerContext) {
        guard case .established(let session) = state else { return }
        let deadline = session.lastReceived + configuration.idleTimeout
        if context.eventLoop.now >= deadline {
            fail(TransportError.idleTimeout(after: configuration.idleTimeout, peer: .unknown), context: context)
        } else {
            scheduleIdleCheck(at: deadline, context: context)
        }
    }

    private func cancelTimers() {
        heartbeatTimer?.cancel()
        heartbeatTimer = nil
        idleTimer?.cancel()
        idleTimer = nil
    }

    // MARK: Failure

    private func knownPeer(_ context: ChannelHandlerContext) -> TransportPeer {
        var node = expectedPeer
        if case .established(let session) = state {
            node = session.peer
        }
        return TransportPeer(address: context.remoteAddress, node: node)
    }

    /// Reports the first error, passes it on and closes the channel.
    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        guard !failed else { return }
        failed = true
        var reported = error
        if let transportError = error as? TransportError {
            let attributed = transportError.attributed(to: knownPeer(context))
            configuration.events.rejected(attributed)
            reported = attributed
        }
        // Attribute before leaving the established state, which names the peer.
        state = .closed
        cancelTimers()
        context.fireErrorCaught(reported)
        context.close(promise: nil)
    }
}
