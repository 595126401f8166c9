import NIOCore
import TandemCore
import TandemCrypto
import TandemNode
import TandemStore
import TandemTestSupport
import Testing

/// Parity checks between two nodes over loopback TCP
/// (`SyncNode.checkPeerParity`): agreeing replicas exchange digests only;
/// records changed behind a node's back are found, repaired both ways and
/// counted.
@Suite("Peer parity")
struct PeerParityNodeTests {
    /// Writes record `id` into `node`'s store on its event loop, under a new
    /// dot of the node and with no batch: a store altered behind the
    /// protocol's back (nothing tells the peer).
    func plant(_ id: String, on node: SyncNode) async throws {
        let store = node.store
        let writer = node.node
        try await node.eventLoop.submit {
            let now = SyncNodeConfiguration.systemClock()
            let timestamp = try HLCTimestamp(physical: now, logical: 0)
            var working = try store.workingSet("customers", records: [id])
            let delta = try working.set("name", to: .string("planted on \(writer.hex.prefix(8))"), in: id, by: writer, at: timestamp)
            _ = try store.commitReconciliation(delta, collection: "customers", from: writer, clock: timestamp, now: now)
        }.get()
    }

    @Test("two nodes: equal replicas are in sync for a few hundred bytes; planted records are repaired both ways")
    func plantedRecordsAreRepaired() async throws {
        let directory = try TemporaryDirectory("peer-parity")
        defer { directory.remove() }
        let (a, b) = (TestKeys.alice, TestKeys.bob)
        // Each takes the other's reconciled state, so repairs go both ways.
        var configurationA = testConfiguration(a, members: [b.nodeID])
        configurationA.sync.stateSources = [b.nodeID]
        let alice = try SyncNode.open(configuration: configurationA, directory: directory.appending("a"))
        try await alice.start()
        let port = try #require(alice.boundPort)
        var configurationB = testConfiguration(b, peers: [PeerAddress(node: a.nodeID, host: "127.0.0.1", port: port)])
        configurationB.sync.stateSources = [a.nodeID]
        let bob = try SyncNode.open(configuration: configurationB, directory: directory.appending("b"))
        try await bob.start()

        var batch: [String: [String: Value]] = [:]
        for index in 0..<2_000 { batch["r\(index)"] = ["name": .string("v\(index)")] }
        try await alice.write(collection: "customers", records: batch)
        try await eventually("Bob holds Alice's 2,000 records") { try records(bob.store).count == 2_000 }

        let equal = try await bob.checkPeerParity(timeout: .seconds(60))
        #expect(equal.count == 1)
        #expect(equal.first?.peer == a.nodeID)
        #expect(equal.first?.outcome == .inSync, "\(equal)")
        #expect(equal.first?.recordsCompared == 2_000)
        #expect((equal.first?.bytesExchanged ?? .max) < 1_000, "\(equal)")

        try await plant("planted-a", on: alice)
        try await plant("planted-b", on: bob)
        #expect(try records(alice.store)["planted-b"] == nil)

        let repaired = try await bob.checkPeerParity(timeout: .seconds(60))
        let report = try #require(repaired.first)
        #expect(report.outcome == .repaired, "\(repaired)")
        #expect(report.repairedHere == 1)
        #expect(report.repairedOnPeer == 1)
        #expect(try records(alice.store)["planted-b"] != nil)
        #expect(try records(bob.store)["planted-a"] != nil)
        #expect(try records(alice.store) == records(bob.store))
        #expect(bob.metrics.peerParityChecks == 2)
        #expect(bob.metrics.peerParityRepaired[a.nodeID] == 2)
        #expect(bob.metrics.lastPeerParity[a.nodeID]?.outcome == .repaired)
        #expect(alice.metrics.totalRejections == 0 && bob.metrics.totalRejections == 0)

        // Alice gone: reported unreachable, not awaited.
        try await alice.shutdown()
        try await eventually("Bob to see Alice leave") { bob.connectedPeers.isEmpty }
        let gone = try await bob.checkPeerParity(timeout: .seconds(60))
        #expect(gone.first?.outcome == .unreachable)
        try await bob.shutdown()
    }
}
