import NIOCore
import TandemCore
import TandemNet

/// The node's handler at the top of each connection's pipeline, above the
/// Tandem transport: it tells the node when the peer is authenticated, hands
/// it each decrypted payload and the end of each read (when it hands the
/// read's payloads to the driver), and reports writability and the close.
final class PeerChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let core: NodeCore
    private let role: TransportRole
    /// Set once the transport fired `PeerAuthenticated`.
    private var peer: NodeID?

    init(core: NodeCore, role: TransportRole) {
        self.core = core
        self.role = role
    }

    func channelActive(context: ChannelHandlerContext) {
        core.opened(context.channel, role: role)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let authenticated = event as? PeerAuthenticated {
            peer = authenticated.node
            core.authenticated(authenticated.node, channel: context.channel, role: role)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The transport passes nothing inbound before authentication.
        guard let peer else { return }
        core.received(unwrapInboundIn(data), from: peer, channel: context.channel)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let peer { core.readComplete(context.channel, peer: peer) }
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        core.writabilityChanged(context.channel)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        core.closed(context.channel, peer: peer)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Transport errors were counted through `TransportEvents` and have
        // already closed the channel; anything else (a socket error) ends it.
        context.close(promise: nil)
    }
}
