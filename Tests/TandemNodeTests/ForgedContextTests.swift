import NIOCore
import NIOPosix
import TandemCore
import TandemCrypto
import TandemNet
import TandemNode
import TandemStore
import Testing
import TandemTestSupport

/// The review's critical finding, over real loopback TCP: a trusted peer
/// (Bob's key, so the batches verify) signs entry-less batches whose causal
/// contexts claim writes nobody made. Alice refuses each, keeps every
/// record, and can still write, also after a restart.
@Suite("Forged causal contexts")
struct ForgedContextTests {
    @Test("a trusted peer's batch claiming unmade dots erases nothing and leaves writes working")
    func forgedContextIsRefused() async throws {
        let directory = try TemporaryDirectory("forged-context")
        defer { directory.remove() }
        let (a, b) = (TestKeys.alice, TestKeys.bob)
        var alice = try SyncNode.open(configuration: testConfiguration(a, members: [b.nodeID]), directory: directory.appending("a"))
        try await alice.start()
        let port = try #require(alice.boundPort)
        try await alice.write(collection: "customers", record: "c1", fields: ["name": .string("Ann")])
        try await alice.write(collection: "customers", record: "c2", fields: ["name": .string("Bo")])
        let before = try records(alice.store)
        let aliceDots = try alice.store.workingSet("customers", records: []).context.maxCounter(of: a.nodeID)
        #expect(before.count == 2)

        func signed(_ sequence: UInt64, claiming claims: [(NodeID, ClosedRange<UInt64>)]) -> DeltaBatch {
            var context = CausalContext()
            for (node, range) in claims { context.insert(node: node, range) }
            var batch = DeltaBatch(
                origin: b.nodeID, sequence: sequence, collection: "customers",
                payload: RecordCollection(trusted: [:], context: context).encoded())
            batch.signature = b.sign(batch.signingBytes)
            return batch
        }
        // The review's batch: every counter of Bob and of Alice.
        let everything = signed(1, claiming: [(b.nodeID, 1...UInt64.max), (a.nodeID, 1...UInt64.max)])
        // Within the counter limit: Alice's next hundred writes.
        let aliceNext = signed(2, claiming: [(a.nodeID, 1...(aliceDots + 100))])

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureTandemHandlers(
                        role: .client, identity: b, allowList: [a.nodeID], expectedPeer: a.nodeID)
                    try channel.pipeline.syncOperations.addHandler(
                        SendOnAuthentication(messages: [SyncMessage.batches([everything, aliceNext]).encoded()]))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()

        try await eventually("Alice to refuse both forged contexts") {
            alice.metrics.rejections["malformed_batch"] == 1 && alice.metrics.rejections["forged_context"] == 1
        }
        #expect(try records(alice.store) == before)
        #expect(try alice.store.summary().batches.held.nodes[b.nodeID] == nil)
        let audit = try alice.store.auditEvents(after: 0, limit: 100)
        #expect(audit.contains { $0.event.kind == .rejected && $0.event.detail.contains("beyond the highest counter") })
        #expect(audit.contains { $0.event.kind == .rejected && $0.event.detail.contains("which it never made") })

        try await client.close()
        try await group.shutdownGracefully()

        // Alice still writes, and after a restart too.
        try await alice.write(collection: "customers", record: "c3", fields: ["name": .string("Cy")])
        try await alice.shutdown()
        alice = try SyncNode.open(configuration: testConfiguration(a, members: [b.nodeID]), directory: directory.appending("a"))
        try await alice.start()
        try await alice.write(collection: "customers", record: "c4", fields: ["name": .string("Di")])
        #expect(try records(alice.store).keys.sorted() == ["c1", "c2", "c3", "c4"])
        try await alice.shutdown()
    }
}
