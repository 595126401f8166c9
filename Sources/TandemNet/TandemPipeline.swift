public import NIOCore
public import TandemCore
public import TandemCrypto

/// Installs the Tandem transport on `channel`, in this order from the socket
/// up: frame encoder, frame decoder, ``HandshakeHandler``,
/// ``SecureSessionHandler``. Add the node's own handlers after it; they
/// receive ``PeerAuthenticated`` as a user inbound event, then decrypted
/// payloads as `ByteBuffer`s, and write payloads as `ByteBuffer`s.
///
/// Call it from a bootstrap's channel initializer (or on any channel before
/// it is active). A client starts the handshake when the channel becomes
/// active; a server waits for the client's hello.
///
/// ```swift
/// ClientBootstrap(group: group).channelInitializer { channel in
///     configureTandemPipeline(channel: channel, role: .client, identity: keys,
///                             allowList: peers, expectedPeer: peerID)
///         .flatMap { channel.pipeline.addHandler(SyncHandler()) }
/// }
/// ```
///
/// - Parameters:
///   - channel: the connection.
///   - role: `.client` for the side that dialled, `.server` for the side
///     that accepted.
///   - identity: this node's signing key.
///   - allowList: the node ids this side accepts as peers.
///   - expectedPeer: for a client, the node it dialled (a server whose key
///     differs is refused with ``TransportError/unexpectedPeer(expected:actual:peer:)``);
///     `nil` accepts any allow-listed server. Ignored by a server.
///   - configuration: limits, timers, randomness and event hooks.
/// - Returns: a future that succeeds once the handlers are installed, or
///   fails with ``TransportError/cryptoUnavailable(reason:peer:)`` if the
///   handshake's randomness could not be drawn.
public func configureTandemPipeline(
    channel: any Channel,
    role: TransportRole,
    identity: NodeKeyPair,
    allowList: Set<NodeID>,
    expectedPeer: NodeID?,
    configuration: TransportConfiguration = TransportConfiguration()
) -> EventLoopFuture<Void> {
    let configure: @Sendable () throws -> Void = {
        try channel.pipeline.syncOperations.configureTandemHandlers(
            role: role,
            identity: identity,
            allowList: allowList,
            expectedPeer: expectedPeer,
            configuration: configuration
        )
    }
    if channel.eventLoop.inEventLoop {
        return channel.eventLoop.makeCompletedFuture(withResultOf: configure)
    }
    return channel.eventLoop.submit(configure)
}

extension ChannelPipeline.SynchronousOperations {
    /// Installs the Tandem transport handlers synchronously; the same as
    /// ``configureTandemPipeline(channel:role:identity:allowList:expectedPeer:configuration:)``
    /// for code already on the channel's event loop.
    ///
    /// - Throws: ``TransportError/cryptoUnavailable(reason:peer:)`` when the
    ///   handshake's randomness could not be drawn; NIO's errors when the
    ///   pipeline is closed.
    public func configureTandemHandlers(
        role: TransportRole,
        identity: NodeKeyPair,
        allowList: Set<NodeID>,
        expectedPeer: NodeID?,
        configuration: TransportConfiguration = TransportConfiguration()
    ) throws {
        let random: [UInt8]
        do {
            random = try configuration.randomBytes(HandshakeParameters.randomByteCount)
        } catch {
            throw TransportError.cryptoUnavailable(reason: "\(error)", peer: .unknown)
        }
        let expected = role == .client ? expectedPeer : nil
        let parameters = try HandshakeParameters(
            identity: identity,
            allowList: allowList,
            expectedPeer: expected,
            random: random
        )
        try addHandlers([
            MessageToByteHandler(FrameEncoder(maximumLength: configuration.maximumFrameLength)),
            ByteToMessageHandler(FrameDecoder(maximumLength: configuration.maximumFrameLength)),
            HandshakeHandler(role: role, parameters: parameters, timeout: configuration.handshakeTimeout),
            SecureSessionHandler(configuration: configuration, expectedPeer: expected),
        ])
    }
}
