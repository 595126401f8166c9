import NIOCore
import NIOEmbedded
import Synchronization
import TandemCore
import TandemCrypto
@testable import TandemNet
import TandemTestSupport

/// A random source that returns `seed, seed, seed, ...`: deterministic.
func fixedRandom(_ seed: UInt8) -> @Sendable (Int) throws(CryptoError) -> [UInt8] {
    { count throws(CryptoError) in Array(repeating: seed, count: count) }
}

/// Handshake parameters for the pure state machine tests.
func parameters(
    _ identity: NodeKeyPair,
    allow: [NodeKeyPair],
    expecting expected: NodeKeyPair? = nil,
    seed: UInt8
) throws -> HandshakeParameters {
    try HandshakeParameters(
        identity: identity,
        allowList: Set(allow.map(\.nodeID)),
        expectedPeer: expected?.nodeID,
        random: Array(repeating: seed, count: HandshakeParameters.randomByteCount)
    )
}

/// The bytes of a frame with every field chosen by the test.
func rawFrame(length: UInt32? = nil, version: UInt8 = Frame.protocolVersion, type: UInt8, payload: [UInt8] = []) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeInteger(length ?? UInt32(2 + payload.count), endianness: .big)
    buffer.writeInteger(version)
    buffer.writeInteger(type)
    buffer.writeBytes(payload)
    return buffer
}

extension ByteBuffer {
    init(_ bytes: [UInt8]) {
        self.init()
        writeBytes(bytes)
    }

    var bytes: [UInt8] { Array(readableBytesView) }
}

/// Records what the transport hands to the node layer.
final class Recorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private(set) var payloads: [[UInt8]] = []
    private(set) var authenticated: [PeerAuthenticated] = []
    private(set) var errors: [any Error] = []
    private(set) var userEvents: [Any] = []

    var transportErrors: [TransportError] { errors.compactMap { $0 as? TransportError } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        payloads.append(unwrapInboundIn(data).bytes)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? PeerAuthenticated {
            authenticated.append(event)
        }
        userEvents.append(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        errors.append(error)
    }
}

/// What the ``TransportEvents`` hooks of one side saw.
final class EventLog: Sendable {
    private let rejectedBox = Mutex<[TransportError]>([])
    private let authenticatedBox = Mutex<[PeerAuthenticated]>([])

    var rejected: [TransportError] { rejectedBox.withLock { $0 } }
    var authenticated: [PeerAuthenticated] { authenticatedBox.withLock { $0 } }

    var events: TransportEvents {
        TransportEvents(
            rejected: { error in self.rejectedBox.withLock { $0.append(error) } },
            authenticated: { event in self.authenticatedBox.withLock { $0.append(event) } }
        )
    }
}

enum Side {
    case client, server
}

/// Two EmbeddedChannels on one EmbeddedEventLoop, with bytes carried between
/// them by hand and time advanced by hand (after swift-nio-ssh's
/// BackToBackEmbeddedChannel).
final class BackToBack {
    let loop = EmbeddedEventLoop()
    let client: EmbeddedChannel
    let server: EmbeddedChannel
    let clientRecorder = Recorder()
    let serverRecorder = Recorder()
    let clientLog = EventLog()
    let serverLog = EventLog()

    static let clientAddress = address(port: 50_000)
    static let serverAddress = address(port: 7070)

    /// Alice (client) dials Bob (server); each allow-lists the other unless
    /// told otherwise.
    init(
        clientIdentity: NodeKeyPair = TestKeys.alice,
        serverIdentity: NodeKeyPair = TestKeys.bob,
        clientAllowList: [NodeKeyPair] = [TestKeys.bob],
        serverAllowList: [NodeKeyPair] = [TestKeys.alice],
        expectedPeer: NodeKeyPair? = TestKeys.bob,
        configuration: TransportConfiguration = TransportConfiguration(maximumFrameLength: 4096)
    ) throws {
        client = EmbeddedChannel(loop: loop)
        server = EmbeddedChannel(loop: loop)
        var clientConfiguration = configuration
        clientConfiguration.randomBytes = fixedRandom(0xC1)
        clientConfiguration.events = clientLog.events
        var serverConfiguration = configuration
        serverConfiguration.randomBytes = fixedRandom(0x5E)
        serverConfiguration.events = serverLog.events
        try client.pipeline.syncOperations.configureTandemHandlers(
            role: .client,
            identity: clientIdentity,
            allowList: Set(clientAllowList.map(\.nodeID)),
            expectedPeer: expectedPeer?.nodeID,
            configuration: clientConfiguration
        )
        try client.pipeline.syncOperations.addHandler(clientRecorder)
        try server.pipeline.syncOperations.configureTandemHandlers(
            role: .server,
            identity: serverIdentity,
            allowList: Set(serverAllowList.map(\.nodeID)),
            expectedPeer: nil,
            configuration: serverConfiguration
        )
        try server.pipeline.syncOperations.addHandler(serverRecorder)
    }

    static func address(port: Int) -> SocketAddress {
        do {
            return try SocketAddress(ipAddress: "127.0.0.1", port: port)
        } catch {
            fatalError("test address: \(error)")
        }
    }

    func channel(_ side: Side) -> EmbeddedChannel { side == .client ? client : server }
    func recorder(_ side: Side) -> Recorder { side == .client ? clientRecorder : serverRecorder }
    func log(_ side: Side) -> EventLog { side == .client ? clientLog : serverLog }

    /// Makes both channels active: the server first, then the client, whose
    /// hello then waits in its outbound buffer.
    func activate() throws {
        try server.connect(to: BackToBack.clientAddress).wait()
        try client.connect(to: BackToBack.serverAddress).wait()
    }

    /// The byte buffers `side` has written (one per frame), in order.
    func takeOutbound(from side: Side) throws -> [ByteBuffer] {
        loop.run()
        var buffers: [ByteBuffer] = []
        while let buffer = try channel(side).readOutbound(as: ByteBuffer.self) {
            buffers.append(buffer)
        }
        return buffers
    }

    /// Hands `buffers` to `side`, optionally one byte at a time.
    func deliver(_ buffers: [ByteBuffer], to side: Side, byteAtATime: Bool = false) throws {
        let channel = channel(side)
        for buffer in buffers {
            if byteAtATime {
                for byte in buffer.readableBytesView where channel.isActive {
                    try channel.writeInbound(ByteBuffer([byte]))
                }
            } else if channel.isActive {
                try channel.writeInbound(buffer)
            }
        }
        loop.run()
    }

    /// Carries bytes both ways until neither side has anything to send.
    func interactInMemory(byteAtATime: Bool = false) throws {
        var workToDo = true
        while workToDo {
            let fromClient = try takeOutbound(from: .client)
            let fromServer = try takeOutbound(from: .server)
            workToDo = !fromClient.isEmpty || !fromServer.isEmpty
            try deliver(fromClient, to: .server, byteAtATime: byteAtATime)
            try deliver(fromServer, to: .client, byteAtATime: byteAtATime)
        }
    }

    /// Writes and flushes a payload from `side`; returns the write's future.
    @discardableResult
    func send(_ bytes: [UInt8], from side: Side) -> EventLoopFuture<Void> {
        channel(side).writeAndFlush(ByteBuffer(bytes))
    }

    func advanceTime(by amount: TimeAmount) {
        loop.advanceTime(by: amount)
    }

    /// The frame type byte of each buffer (buffers hold one frame each).
    static func frameTypes(_ buffers: [ByteBuffer]) -> [FrameType] {
        buffers.compactMap { $0.getInteger(at: $0.readerIndex + 5, as: UInt8.self).map(FrameType.init(rawValue:)) }
    }
}
