import NIOCore
import NIOPosix
import TandemCore
import TandemCrypto
import TandemNet
import TandemNode
import TandemStore
import Testing
import TandemTestSupport

/// What a node refuses: connections from keys it does not know, and
/// batches whose origin signature does not verify.
@Suite("Trust")
struct TrustTests {
    @Test("a node whose key is not allow-listed cannot connect and changes nothing")
    func untrustedNode() async throws {
        let directory = try TemporaryDirectory("untrusted")
        defer { directory.remove() }
        let (a, b, m) = (TestKeys.alice, TestKeys.bob, TestKeys.mallory)
        let alice = try SyncNode.open(configuration: testConfiguration(a, members: [b.nodeID]), directory: directory.appending("a"))
        try await alice.start()
        let port = try #require(alice.boundPort)

        // Mallory trusts Alice and dials her; Alice does not know Mallory's key.
        let mallory = try SyncNode.open(
            configuration: testConfiguration(m, peers: [PeerAddress(node: a.nodeID, host: "127.0.0.1", port: port)]),
            directory: directory.appending("m"))
        try await mallory.start()
        try await mallory.write(collection: "customers", record: "evil", fields: ["name": .string("Mallory")])
        try await eventually("Alice to refuse Mallory's handshake twice (a redial included), and Mallory to hear it") {
            alice.metrics.transportRejections[.unknownPeer, default: 0] >= 2
                && mallory.metrics.transportRejections[.refusedByPeer, default: 0] >= 2
        }
        #expect(mallory.metrics.dials >= 2)
        // Alice proves herself to any client before she refuses it (so her
        // answers say nothing of her allow-list), so Mallory may hold a
        // session with her for the moment between her Finish and Alice's
        // refusal; Alice never opens one.
        #expect(alice.connectedPeers.isEmpty)
        #expect(alice.metrics.sessionsOpened == 0)
        #expect(alice.metrics.messagesReceived == 0)
        #expect(try records(alice.store).isEmpty)
        #expect(try alice.store.summary().batches == BatchVector())
        let audit = try alice.store.auditEvents(after: 0, limit: 100)
        #expect(audit.contains { $0.event.kind == .rejected && $0.event.node == m.nodeID && $0.event.detail.contains("allow-list") })

        try await mallory.shutdown()
        try await alice.shutdown()
    }

    @Test("a forged batch is refused, counted by reason and audited; the genuine one is applied")
    func forgedBatch() async throws {
        let directory = try TemporaryDirectory("forged")
        defer { directory.remove() }
        let (a, b, m) = (TestKeys.alice, TestKeys.bob, TestKeys.mallory)
        let alice = try SyncNode.open(configuration: testConfiguration(a, members: [b.nodeID]), directory: directory.appending("a"))
        try await alice.start()
        let port = try #require(alice.boundPort)

        // A batch Bob could have made, signed by Bob; the forgery carries the
        // same bytes but Mallory's signature.
        var delta = RecordCollection()
        let timestamp = try HLCTimestamp(physical: SyncNodeConfiguration.systemClock(), logical: 0)
        let change = try delta.update("forged", fields: [("name", .string("Bob?"))], by: b.nodeID, at: timestamp)
        var genuine = DeltaBatch(origin: b.nodeID, sequence: 1, collection: "customers", payload: change.encoded())
        genuine.signature = b.sign(genuine.signingBytes)
        var forgery = genuine
        forgery.signature = m.sign(forgery.signingBytes)
        let forged = forgery

        // Speak as Bob (a trusted key) through a hand-configured client channel.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureTandemHandlers(
                        role: .client, identity: b, allowList: [a.nodeID], expectedPeer: a.nodeID)
                    try channel.pipeline.syncOperations.addHandler(
                        SendOnAuthentication(messages: [
                            SyncMessage.batches([forged]).encoded(),
                            [0x54, 0x4E, 0x44, 0x4D, 0xFF],  // not a sync message
                        ]))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()

        try await eventually("Alice to refuse the forgery and the garbage") {
            alice.metrics.rejections["bad_signature"] == 1 && alice.metrics.rejections["malformed_message"] == 1
        }
        #expect(alice.connectedPeers == [b.nodeID])
        #expect(try await alice.record(collection: "customers", id: "forged") == nil)
        #expect(try alice.store.summary().batches == BatchVector())
        let audit = try alice.store.auditEvents(after: 0, limit: 100)
        #expect(audit.contains { $0.event.kind == .rejected && $0.event.node == b.nodeID && $0.event.detail.contains("signature does not verify") })

        // The same path accepts the genuine batch: the refusal was the signature's.
        try await client.writeAndFlush(ByteBuffer(bytes: SyncMessage.batches([genuine]).encoded()))
        try await eventually("Alice to apply the genuine batch") {
            try await alice.record(collection: "customers", id: "forged") != nil
        }
        #expect(alice.metrics.appliedBatches == 1)
        #expect(try alice.store.batches([genuine.id]) == [genuine])

        try await client.close()
        try await group.shutdownGracefully()
        try await alice.shutdown()
    }
}

/// Writes `messages` once the transport has authenticated the peer; with
/// `stopReading`, first stops reading: a peer that sends faster than it reads.
final class SendOnAuthentication: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let messages: [[UInt8]]
    private let stopReading: Bool

    init(messages: [[UInt8]], stopReading: Bool = false) {
        self.messages = messages
        self.stopReading = stopReading
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is PeerAuthenticated else { return }
        if stopReading {
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        }
        for message in messages {
            context.write(wrapOutboundOut(ByteBuffer(bytes: message)), promise: nil)
        }
        context.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
