public import NIOCore

/// Turns inbound bytes into ``Frame``s for the handlers above it.
///
/// Guarantees:
/// - Frames are checked by ``FrameParser``; a refused frame fires a
///   ``TransportError`` naming the remote address, after which
///   `ByteToMessageHandler` decodes nothing more from this connection and
///   the session handler closes it.
/// - Until this side has authenticated the peer, inbound frames are limited
///   to ``handshakeMaximumLength`` bytes, so an unauthenticated peer cannot
///   make the connection buffer a large frame. The decoder observes the
///   frames written through it and lifts the limit to the configured maximum
///   when this side sends its ``FrameType/streamHeader``, which it does only
///   after the peer proved its identity. Frames that the peer pipelined after
///   its last handshake message are decoded after that write, with the raised
///   limit.
///
/// Install it as `ByteToMessageHandler(FrameDecoder(...))` below the
/// handshake handler (``configureTandemPipeline(channel:role:identity:allowList:expectedPeer:configuration:)``
/// does this).
public struct FrameDecoder: WriteObservingByteToMessageDecoder {
    public typealias InboundOut = Frame
    public typealias OutboundIn = Frame

    /// The limit on inbound frames before the peer is authenticated. The
    /// largest handshake frame (ServerHello) has a length field of 163.
    public static let handshakeMaximumLength = 1024

    private var parser: FrameParser
    private let sessionMaximumLength: Int

    /// A decoder that accepts frames up to `maximumLength` bytes once the
    /// peer is authenticated, and up to ``handshakeMaximumLength`` before.
    public init(maximumLength: Int = Frame.defaultMaximumLength) {
        self.sessionMaximumLength = maximumLength
        self.parser = FrameParser(maximumLength: min(maximumLength, FrameDecoder.handshakeMaximumLength))
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let frame: Frame?
        do {
            frame = try parser.nextFrame(from: &buffer)
        } catch {
            throw error.attributed(to: TransportPeer(address: context.remoteAddress, node: nil))
        }
        guard let frame else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        // A partial frame left at close is dropped: the connection is over.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    public mutating func write(data: Frame) {
        if data.type == .streamHeader {
            parser.maximumLength = sessionMaximumLength
        }
    }
}
