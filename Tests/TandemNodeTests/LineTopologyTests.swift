import TandemCore
import TandemCrypto
import TandemNode
import TandemStore
import Testing
import TandemTestSupport

/// Three nodes in a line, A – B – C, over real loopback TCP with SQLite
/// stores and Ed25519 keys.
@Suite("Three nodes in a line")
struct LineTopologyTests {
    @Test("changes cross the line intact, and survive the middle node's restart")
    func line() async throws {
        let directory = try TemporaryDirectory("line")
        defer { directory.remove() }
        let (a, b, c) = (TestKeys.alice, TestKeys.bob, TestKeys.carol)

        // B only accepts; A and C dial B and know of each other only as members.
        let bob = try SyncNode.open(
            configuration: testConfiguration(b, members: [a.nodeID, c.nodeID]), directory: directory.appending("b"))
        try await bob.start()
        let bobPort = try #require(bob.boundPort)
        let viaBob = [PeerAddress(node: b.nodeID, host: "127.0.0.1", port: bobPort)]
        let alice = try SyncNode.open(
            configuration: testConfiguration(a, peers: viaBob, members: [c.nodeID]), directory: directory.appending("a"))
        let carol = try SyncNode.open(
            configuration: testConfiguration(c, peers: viaBob, members: [a.nodeID]), directory: directory.appending("c"))
        try await alice.start()
        try await carol.start()
        try await eventually("B to hold sessions with A and C") {
            bob.connectedPeers == [a.nodeID, c.nodeID].sorted()
                && alice.connectedPeers == [b.nodeID] && carol.connectedPeers == [b.nodeID]
        }

        // A's write reaches C through B, as A's own signed batch.
        let fromAlice = try #require(
            try await alice.write(collection: "customers", record: "ada", fields: ["name": .string("Ada"), "tier": .int(1)]))
        try await eventually("A's write at C") { try await carol.record(collection: "customers", id: "ada") != nil }
        let atCarol = try await carol.record(collection: "customers", id: "ada")
        #expect(atCarol?.fields == ["name": .string("Ada"), "tier": .int(1)])
        let logged = try carol.store.batches([fromAlice.id])
        #expect(logged == [fromAlice])
        let copy = try #require(logged.first)
        #expect(copy.origin == a.nodeID)
        #expect(hasValidOriginSignature(copy))

        // C's write reaches A.
        try await carol.write(collection: "customers", record: "grace", fields: ["name": .string("Grace")])
        try await eventually("C's write at A") { try await alice.record(collection: "customers", id: "grace") != nil }

        // Cut the line: B goes down; A and C write while it is away.
        try await bob.shutdown()
        try await eventually("A and C to notice B is gone") {
            alice.connectedPeers.isEmpty && carol.connectedPeers.isEmpty
        }
        try await alice.write(collection: "customers", record: "ada", fields: ["tier": .int(2)])
        try await alice.write(collection: "customers", record: "edsger", fields: ["name": .string("Edsger")])
        try await carol.write(collection: "customers", record: "grace", fields: ["tier": .int(3)])
        try await carol.delete(collection: "customers", record: "ada")
        try await carol.write(collection: "customers", record: "barbara", fields: ["name": .string("Barbara")])

        // B returns from the same data directory, on the same port; A and C redial it.
        let restarted = try SyncNode.open(
            configuration: testConfiguration(b, port: bobPort, members: [a.nodeID, c.nodeID]), directory: directory.appending("b"))
        try await restarted.start()
        let nodes = [alice, restarted, carol]
        try await eventually("A, B and C to converge") {
            let states = try nodes.map { try records($0.store) }
            let vectors = try nodes.map { try $0.store.summary().batches }
            return states.allSatisfy { $0 == states[0] } && vectors.allSatisfy { $0 == vectors[0] }
                && vectors[0].nextSequence(for: a.nodeID) == 4 && vectors[0].nextSequence(for: c.nodeID) == 5
        }

        // Nothing lost: each node shows the same records, with every write.
        for node in nodes {
            let ada = try await node.record(collection: "customers", id: "ada")
            // C deleted "ada" concurrently with A's update of "tier": the update survives.
            #expect(ada?.fields == ["tier": .int(2)])
            #expect(try await node.record(collection: "customers", id: "edsger")?.fields == ["name": .string("Edsger")])
            #expect(try await node.record(collection: "customers", id: "grace")?.fields == ["name": .string("Grace"), "tier": .int(3)])
            #expect(try await node.record(collection: "customers", id: "barbara")?.fields == ["name": .string("Barbara")])
            #expect(node.metrics.totalRejections == 0)
        }
        #expect(restarted.metrics.appliedBatches == 5)

        for node in nodes { try await node.shutdown() }
    }
}
