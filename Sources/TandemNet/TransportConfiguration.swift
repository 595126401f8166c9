public import NIOCore
public import TandemCrypto

/// The tunable limits and timers of one connection, and where its
/// randomness comes from.
///
/// Guarantees: the defaults are the values in docs/protocol.md (16 MiB
/// frames, 5 s handshake timeout, 1 s heartbeat, 5 s idle timeout, 64 MiB
/// outbound queue); every limit is enforced by the handlers that
/// ``configureTandemPipeline(channel:role:identity:allowList:expectedPeer:configuration:)``
/// installs. Both ends must agree on nothing here except that each side's
/// ``idleTimeout`` should exceed twice the other side's ``heartbeatInterval``.
public struct TransportConfiguration: Sendable {
    /// The largest frame length field accepted from an authenticated peer
    /// (and written to it). Before authentication the limit is
    /// ``FrameDecoder/handshakeMaximumLength``.
    public var maximumFrameLength: Int
    /// How long the handshake may take from the moment the channel is active.
    public var handshakeTimeout: TimeAmount
    /// After the handshake, a keepalive is sent whenever nothing else was sent
    /// for this long.
    public var heartbeatInterval: TimeAmount
    /// After the handshake, the connection is closed when nothing at all was
    /// received for this long.
    public var idleTimeout: TimeAmount
    /// The most bytes of encrypted frames that may be written but not yet
    /// accepted by the socket; a write past it fails with
    /// ``TransportError/outboundQueueFull(queuedBytes:limit:peer:)``.
    public var maximumQueuedOutboundBytes: Int
    /// Where the handshake's challenge and ephemeral key seed come from.
    /// Production uses libsodium's secure generator; tests may inject a
    /// deterministic source.
    public var randomBytes: @Sendable (Int) throws(CryptoError) -> [UInt8]
    /// Hooks for counting and auditing rejections and authentications.
    public var events: TransportEvents

    /// A configuration with the documented defaults, each overridable.
    ///
    /// - Precondition: `maximumFrameLength` is at least
    ///   ``FrameDecoder/handshakeMaximumLength`` and at most `UInt32.max`;
    ///   the durations and `maximumQueuedOutboundBytes` are positive.
    public init(
        maximumFrameLength: Int = Frame.defaultMaximumLength,
        handshakeTimeout: TimeAmount = .seconds(5),
        heartbeatInterval: TimeAmount = .seconds(1),
        idleTimeout: TimeAmount = .seconds(5),
        maximumQueuedOutboundBytes: Int = 64 * 1024 * 1024,
        randomBytes: @escaping @Sendable (Int) throws(CryptoError) -> [UInt8] = { count throws(CryptoError) in
            try SecureRandom.bytes(count: count)
        },
        events: TransportEvents = TransportEvents()
    ) {
        precondition(
            maximumFrameLength >= FrameDecoder.handshakeMaximumLength && UInt64(maximumFrameLength) <= UInt64(UInt32.max),
            "maximumFrameLength must be between \(FrameDecoder.handshakeMaximumLength) and \(UInt32.max)"
        )
        precondition(handshakeTimeout > .zero && heartbeatInterval > .zero && idleTimeout > .zero, "timers must be positive")
        precondition(maximumQueuedOutboundBytes > 0, "maximumQueuedOutboundBytes must be positive")
        self.maximumFrameLength = maximumFrameLength
        self.handshakeTimeout = handshakeTimeout
        self.heartbeatInterval = heartbeatInterval
        self.idleTimeout = idleTimeout
        self.maximumQueuedOutboundBytes = maximumQueuedOutboundBytes
        self.randomBytes = randomBytes
        self.events = events
    }

    /// The largest application payload that fits in one frame: the frame
    /// limit less the version and type bytes, the secretstream overhead and
    /// the payload-kind byte.
    public var maximumPayloadSize: Int {
        maximumFrameLength - Frame.minimumLength - SecretStream.additionalByteCount - 1
    }
}
