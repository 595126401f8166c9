import NIOCore
import NIOPosix
import TandemCore
import TandemCrypto
import Testing
@testable import TandemNet
import TandemTestSupport

/// One real TCP connection on 127.0.0.1, through NIOPosix.
@Suite("Loopback TCP")
struct LoopbackTests {
    /// Sends `greeting` once the peer is authenticated, echoes payloads back
    /// with `echoPrefix` when set, and completes `done` after `expected`
    /// payloads (or fails it with the first error).
    final class Peer: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private let greetings: [[UInt8]]
        private let echoPrefix: [UInt8]?
        private let expected: Int
        private let authenticated: EventLoopPromise<NodeID>
        private let done: EventLoopPromise<[[UInt8]]>
        private var received: [[UInt8]] = []

        init(greetings: [[UInt8]], echoPrefix: [UInt8]?, expected: Int, authenticated: EventLoopPromise<NodeID>, done: EventLoopPromise<[[UInt8]]>) {
            self.greetings = greetings
            self.echoPrefix = echoPrefix
            self.expected = expected
            self.authenticated = authenticated
            self.done = done
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            guard let event = event as? PeerAuthenticated else { return }
            authenticated.succeed(event.node)
            for greeting in greetings {
                context.write(wrapOutboundOut(ByteBuffer(greeting)), promise: nil)
            }
            context.flush()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data).bytes
            received.append(bytes)
            if let echoPrefix {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(echoPrefix + bytes)), promise: nil)
            }
            if received.count == expected {
                done.succeed(received)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            authenticated.fail(error)
            done.fail(error)
        }

        func channelInactive(context: ChannelHandlerContext) {
            authenticated.fail(ChannelError.eof)
            done.fail(ChannelError.eof)
        }
    }

    /// Fails `promise` if it is still pending after `seconds` from now: every
    /// wait in this suite has a deadline instead of a sleep, set when the
    /// step it guards begins.
    func deadline<T>(_ promise: EventLoopPromise<T>, seconds: Int64 = 120) {
        promise.futureResult.eventLoop.scheduleTask(in: .seconds(seconds)) {
            promise.fail(ChannelError.connectTimeout(.seconds(seconds)))
        }
    }

    @Test("a handshake and payloads both ways over TCP, then an unknown key is refused")
    func loopback() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let serverAuthenticated = loop.makePromise(of: NodeID.self)
        let serverDone = loop.makePromise(of: [[UInt8]].self)
        let serverRejected = loop.makePromise(of: TransportError.self)
        let serverEvents = TransportEvents(rejected: { error in serverRejected.succeed(error) })
        let serverAllowList: Set<NodeID> = [TestKeys.alice.nodeID]

        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureTandemHandlers(
                        role: .server,
                        identity: TestKeys.bob,
                        allowList: serverAllowList,
                        expectedPeer: nil,
                        configuration: TransportConfiguration(events: serverEvents)
                    )
                    try channel.pipeline.syncOperations.addHandler(
                        Peer(greetings: [Array("welcome".utf8)], echoPrefix: Array("echo:".utf8), expected: 3, authenticated: serverAuthenticated, done: serverDone)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = try #require(server.localAddress?.port)

        // Alice: allow-listed, dials Bob.
        let clientAuthenticated = loop.makePromise(of: NodeID.self)
        let clientDone = loop.makePromise(of: [[UInt8]].self)
        // Deadlines start at the step they guard (the suite runs in parallel
        // on a loaded machine), never at the test's start.
        for promise in [serverAuthenticated, clientAuthenticated] { deadline(promise) }
        for promise in [serverDone, clientDone] { deadline(promise) }
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureTandemHandlers(
                        role: .client,
                        identity: TestKeys.alice,
                        allowList: [TestKeys.bob.nodeID],
                        expectedPeer: TestKeys.bob.nodeID
                    )
                    try channel.pipeline.syncOperations.addHandler(
                        Peer(greetings: [[1], [2, 2], Array(repeating: 3, count: 100_000)], echoPrefix: nil, expected: 4, authenticated: clientAuthenticated, done: clientDone)
                    )
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()

        #expect(try await clientAuthenticated.futureResult.get() == TestKeys.bob.nodeID)
        #expect(try await serverAuthenticated.futureResult.get() == TestKeys.alice.nodeID)
        let atServer = try await serverDone.futureResult.get()
        #expect(atServer == [[1], [2, 2], Array(repeating: 3, count: 100_000)])
        let atClient = try await clientDone.futureResult.get()
        #expect(atClient == [Array("welcome".utf8), Array("echo:".utf8) + [1], Array("echo:".utf8) + [2, 2], Array("echo:".utf8) + Array(repeating: 3, count: 100_000)])
        try await client.close()

        // Mallory: not allow-listed. The server refuses her after her Finish.
        let malloryAuthenticated = loop.makePromise(of: NodeID.self)
        let malloryDone = loop.makePromise(of: [[UInt8]].self)
        deadline(malloryAuthenticated)
        deadline(malloryDone)
        deadline(serverRejected)
        let mallory = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                // The future-returning entry point, as the node will call it.
                configureTandemPipeline(
                    channel: channel,
                    role: .client,
                    identity: TestKeys.mallory,
                    allowList: [TestKeys.bob.nodeID],
                    expectedPeer: TestKeys.bob.nodeID
                ).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(
                        Peer(greetings: [[9]], echoPrefix: nil, expected: 1, authenticated: malloryAuthenticated, done: malloryDone)
                    )
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        // Bob answers every hello alike, so Mallory authenticates him; he
        // refuses her once her Finish proves her (unknown) key.
        #expect(try await malloryAuthenticated.futureResult.get() == TestKeys.bob.nodeID)
        let malloryError = await #expect(throws: TransportError.self) { try await malloryDone.futureResult.get() }
        #expect(malloryError?.reason == .refusedByPeer)
        #expect(malloryError?.description.contains("not in its allow-list") == true)
        let rejected = try await serverRejected.futureResult.get()
        #expect(rejected.reason == .unknownPeer)
        #expect(rejected.peer.node == TestKeys.mallory.nodeID)
        #expect(rejected.description.contains("127.0.0.1"))
        try await mallory.closeFuture.get()

        try await server.close()
        try await group.shutdownGracefully()
    }
}
