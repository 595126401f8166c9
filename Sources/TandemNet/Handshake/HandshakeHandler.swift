import NIOCore
import TandemCore

/// Runs the mutual-authentication handshake on a channel, then steps aside.
///
/// A thin shell around ``HandshakeStateMachine``: it feeds the machine the
/// channel's events (active, frames, decoder errors, the timeout) and carries
/// out its actions (write a handshake frame, refuse, hand the session keys to
/// ``SecureSessionHandler``).
///
/// Guarantees:
/// - No frame reaches the handlers above it before the peer is authenticated;
///   afterwards every frame is passed on unchanged and in order.
/// - A handshake that has not completed ``TransportConfiguration/handshakeTimeout``
///   after the channel became active fails with
///   ``TransportError/handshakeTimeout(after:peer:)``.
/// - On failure it sends the peer a Refusal naming the reason (when the peer
///   did not refuse first), then fires the ``TransportError`` through
///   `errorCaught`, attributed to the remote address and claimed node; the
///   session handler reports it and closes the channel.
final class HandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Frame
    typealias InboundOut = Frame
    typealias OutboundOut = Frame

    private var stateMachine: HandshakeStateMachine
    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var started = false

    init(role: TransportRole, parameters: HandshakeParameters, timeout: TimeAmount) {
        self.stateMachine = HandshakeStateMachine(role: role, parameters: parameters)
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            start(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        perform(stateMachine.receivedFrame(frame), context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let transportError = error as? TransportError, stateMachine.isInProgress else {
            context.fireErrorCaught(error)
            return
        }
        perform(stateMachine.errorCaught(transportError), context: context)
    }

    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        let loopBoundContext = context
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            perform(stateMachine.timedOut(after: timeout), context: loopBoundContext)
        }
        perform(stateMachine.start(), context: context)
    }

    private func perform(_ action: HandshakeStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .send(let message):
            context.writeAndFlush(wrapOutboundOut(message.frame(allocator: context.channel.allocator)), promise: nil)
        case .complete(let message, let outcome):
            cancelTimer()
            if let message {
                context.write(wrapOutboundOut(message.frame(allocator: context.channel.allocator)), promise: nil)
            }
            context.fireUserInboundEventTriggered(HandshakeCompleted(outcome: outcome))
            context.flush()
        case .fail(let error, let refusal):
            cancelTimer()
            let attributed = error.attributed(to: knownPeer(context))
            guard let refusal, context.channel.isActive else {
                context.fireErrorCaught(attributed)
                return
            }
            // Report (and so close) only once the refusal has left, so the
            // peer learns why.
            let frame = HandshakeMessage.refusal(refusal).frame(allocator: context.channel.allocator)
            context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
                context.fireErrorCaught(attributed)
            }
        case .forward(let frame):
            context.fireChannelRead(wrapInboundOut(frame))
        }
    }

    private func knownPeer(_ context: ChannelHandlerContext) -> TransportPeer {
        TransportPeer(address: context.remoteAddress, node: stateMachine.claimedPeer)
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}
