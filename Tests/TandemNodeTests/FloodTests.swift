import NIOCore
import NIOPosix
import TandemCore
import TandemCrypto
import TandemNet
import TandemNode
import TandemStore
import Testing
import TandemTestSupport

/// A trusted peer that floods a node with requests and never reads the
/// replies cannot make the node hold unbounded memory or stop serving others.
@Suite("Flooding peers")
struct FloodTests {
    @Test("a peer that floods without reading is disconnected, counted and audited; nothing changes, others are served")
    func floodWithoutReading() async throws {
        let directory = try TemporaryDirectory("flood")
        defer { directory.remove() }
        let (a, b, c) = (TestKeys.alice, TestKeys.bob, TestKeys.carol)
        var aliceConfiguration = testConfiguration(a, members: [b.nodeID, c.nodeID])
        aliceConfiguration.maxQueuedBytesPerPeer = 256 * 1024
        let alice = try SyncNode.open(configuration: aliceConfiguration, directory: directory.appending("a"))
        try await alice.start()
        let port = try #require(alice.boundPort)

        // About 1 MB of records: each request below makes Alice send all of them.
        let value = String(repeating: "x", count: 1_000)
        var batch: [String: [String: Value]] = [:]
        for index in 0..<1_000 { batch["customer-\(index)"] = ["notes": .string("\(index) \(value)")] }
        try await alice.write(collection: "customers", records: batch)
        let heldBefore = try alice.store.summary().batches
        let recordsBefore = try records(alice.store)

        // Carol, an honest peer, syncs with Alice throughout.
        let carol = try SyncNode.open(
            configuration: testConfiguration(c, peers: [PeerAddress(node: a.nodeID, host: "127.0.0.1", port: port)]),
            directory: directory.appending("c"))
        try await carol.start()
        try await eventually("Carol to hold Alice's records") { try records(carol.store).count == 1_000 }

        // Bob's key (trusted by Alice) floods bucket digests that differ from
        // Alice's in every bucket and claim one record each: each one asks
        // Alice for every record she holds. Bob never reads.
        let request = SyncMessage.bucketDigests(
            collection: "customers", level: 1,
            buckets: (0..<16).map { DigestReconciliation.BucketDigest(prefix: UInt32($0), count: 1, digest: 1) }
        ).encoded()
        let flood = Array(repeating: request, count: 2_000)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let flooder = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureTandemHandlers(
                        role: .client, identity: b, allowList: [a.nodeID], expectedPeer: a.nodeID)
                    try channel.pipeline.syncOperations.addHandler(SendOnAuthentication(messages: flood, stopReading: true))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()

        try await eventually("Alice to close the flooder's session for not reading", within: 60) {
            alice.metrics.peersNotReading == 1 && !alice.connectedPeers.contains(b.nodeID)
        }
        try await flooder.closeFuture.get()
        let audit = try alice.store.auditEvents(after: 0, limit: 1_000)
        #expect(audit.contains {
            $0.event.kind == .rejected && $0.event.node == b.nodeID && $0.event.detail.contains("is not reading")
        })
        // Alice read far fewer requests than Bob sent before she cut him off.
        #expect(alice.metrics.messagesReceived < flood.count)

        // Nothing changed, and Alice still serves Carol both ways.
        #expect(try alice.store.summary().batches == heldBefore)
        #expect(try records(alice.store) == recordsBefore)
        #expect(alice.connectedPeers == [c.nodeID])
        try await alice.write(collection: "customers", record: "after-flood", fields: ["name": .string("Ada")])
        try await carol.write(collection: "customers", record: "from-carol", fields: ["name": .string("Cy")])
        try await eventually("both writes to cross after the flood") {
            let atCarol = try await carol.record(collection: "customers", id: "after-flood")
            let atAlice = try await alice.record(collection: "customers", id: "from-carol")
            return atCarol != nil && atAlice != nil
        }
        #expect(alice.metrics.totalRejections == 0)

        try await group.shutdownGracefully()
        try await carol.shutdown()
        try await alice.shutdown()
    }
}
