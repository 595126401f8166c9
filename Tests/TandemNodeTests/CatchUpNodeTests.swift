import TandemCore
import TandemCrypto
import TandemNode
import TandemStore
import TandemSync
import Testing
import TandemTestSupport

/// Over real loopback TCP: a new node whose state source has compacted its
/// log catches up by snapshot, and its metrics show how far it has come.
@Suite("Catch-up progress over TCP")
struct CatchUpNodeTests {
    @Test("a new node takes in its state source's records and reports the catch-up finished, with records and bytes")
    func newNodeReportsCatchUp() async throws {
        let directory = try TemporaryDirectory("catch-up")
        defer { directory.remove() }
        let (a, b) = (TestKeys.alice, TestKeys.bob)
        // Carol receives Alice's writes and acknowledges them; Alice then
        // drops them from her log, so a node joining later can only catch
        // up by reconciliation.
        let c = TestKeys.carol
        var aliceConfiguration = testConfiguration(a, members: [b.nodeID, c.nodeID])
        aliceConfiguration.compaction = LogCompaction(retentionMillis: 0, intervalMillis: 100)
        let alice = try SyncNode.open(configuration: aliceConfiguration, directory: directory.appending("a"))
        try await alice.start()
        var batch: [String: [String: Value]] = [:]
        for index in 0..<3_000 { batch["r\(index)"] = ["name": .string("customer \(index)"), "city": .string("city \(index % 40)")] }
        try await alice.write(collection: "customers", records: batch)
        let port = try #require(alice.boundPort)
        let carol = try SyncNode.open(
            configuration: testConfiguration(c, peers: [PeerAddress(node: a.nodeID, host: "127.0.0.1", port: port)]),
            directory: directory.appending("c"))
        try await carol.start()
        try await eventually("Alice to compact her log once Carol holds it", within: 60) { alice.metrics.batchesCompacted > 0 }

        var configuration = testConfiguration(b, peers: [PeerAddress(node: a.nodeID, host: "127.0.0.1", port: port)])
        configuration.sync.stateSources = [a.nodeID]
        let bob = try SyncNode.open(configuration: configuration, directory: directory.appending("b"))
        try await bob.start()
        try await eventually("Bob to report his catch-up from Alice finished", within: 120) {
            bob.metrics.catchUps[a.nodeID]?.finished == true
        }
        let progress = try #require(bob.metrics.catchUps[a.nodeID])
        #expect(progress.expectedRecords == 3_000)
        #expect(progress.receivedRecords == 3_000 && progress.remainingRecords == 0)
        #expect(progress.receivedBytes > 3_000 * 20, "\(progress.line)")
        #expect(try records(bob.store).count == 3_000)
        try await bob.shutdown()
        try await carol.shutdown()
        try await alice.shutdown()
    }
}
