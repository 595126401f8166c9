import NIOCore
import NIOPosix
import TandemHarness
import TandemTestSupport
import Testing

/// The fault proxy over real loopback sockets, in front of an echo server:
/// bytes pass in order, held bytes come out when the hold ends, a cut
/// closes the connection and refuses new ones.
@Suite("tandem-harness fault proxy", .ownThread)
struct FaultProxyTests {
    final class EchoHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }
    }

    static func connect(group: any EventLoopGroup, port: Int) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    }

    /// Reads until `count` bytes came (or the stream ends).
    static func read(_ count: Int, from iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) async throws -> String {
        var text = ""
        while text.utf8.count < count, var buffer = try await iterator.next() {
            text += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        return text
    }

    @Test("bytes pass in order; held bytes come out in a burst at the end of the hold; a cut closes and refuses")
    func relays() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let echo = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(EchoHandler()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let control = LinkControl(link: HarnessLink(a: 0, b: 1))
        let proxy = try await FaultProxy.start(
            group: group, control: control, dialler: 0, target: 1, targetPort: echo.localAddress?.port ?? 0, seed: 1)
        let client = try await Self.connect(group: group, port: proxy.port)
        try await client.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            try await outbound.write(ByteBuffer(string: "hello"))
            let greeting = try await Self.read(5, from: &iterator)
            #expect(greeting == "hello")

            control.update { $0.holding = true }
            try await outbound.write(ByteBuffer(string: "abc"))
            control.update { $0.holding = false }
            try await outbound.write(ByteBuffer(string: "def"))
            let released = try await Self.read(6, from: &iterator)
            #expect(released == "abcdef")

            control.update { $0.delayMillis = 30; $0.jitterMillis = 20; $0.bytesPerSecond = 10_000 }
            for part in ["1", "2", "3", "4"] { try await outbound.write(ByteBuffer(string: part)) }
            let delayed = try await Self.read(4, from: &iterator)
            #expect(delayed == "1234")

            control.update { $0.cut = true }
            // The cut closes the connection: the stream ends.
            let end = try await iterator.next()
            #expect(end == nil)
        }
        // New connections are refused (closed at once) while the link is cut.
        let refused = try await Self.connect(group: group, port: proxy.port)
        try await refused.executeThenClose { inbound, _ in
            var iterator = inbound.makeAsyncIterator()
            let end = try await iterator.next()
            #expect(end == nil)
        }
        control.heal()
        let again = try await Self.connect(group: group, port: proxy.port)
        try await again.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            try await outbound.write(ByteBuffer(string: "back"))
            let healed = try await Self.read(4, from: &iterator)
            #expect(healed == "back")
        }
        await proxy.close()
        try await echo.close()
        try await group.shutdownGracefully()
    }
}
