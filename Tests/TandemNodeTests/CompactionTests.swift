import TandemCore
import TandemCrypto
import TandemNode
import TandemStore
import Testing
import TandemTestSupport

/// The node runs log compaction itself: a batch leaves its delta log once
/// every direct peer acknowledged it and the retention passed, and not
/// before.
@Suite("Log compaction")
struct CompactionTests {
    @Test("a running node keeps what a peer lacks and compacts what every peer acknowledged")
    func nodeCompactsAcknowledgedBatches() async throws {
        let directory = try TemporaryDirectory("compaction")
        defer { directory.remove() }
        let (a, b) = (TestKeys.alice, TestKeys.bob)
        // Alice dials Bob at an address where nothing listens yet (port 1):
        // Bob is a direct peer that has acknowledged nothing.
        var aliceConfiguration = testConfiguration(a, peers: [PeerAddress(node: b.nodeID, host: "127.0.0.1", port: 1)])
        aliceConfiguration.compaction = LogCompaction(retentionMillis: 0, intervalMillis: 100)
        let alice = try SyncNode.open(configuration: aliceConfiguration, directory: directory.appending("a"))
        try await alice.start()
        let port = try #require(alice.boundPort)

        let first = try #require(try await alice.write(collection: "customers", record: "c1", fields: ["name": .string("Ann")]))
        try await eventually("Alice to run compaction a few times", within: 60) { alice.metrics.compactionRuns >= 3 }
        #expect(try alice.store.batches([first.id]) == [first], "compacted before Bob acknowledged it")
        #expect(alice.metrics.batchesCompacted == 0)

        // Bob connects to Alice, receives the batch and acknowledges it.
        var bobConfiguration = testConfiguration(b, peers: [PeerAddress(node: a.nodeID, host: "127.0.0.1", port: port)])
        bobConfiguration.compaction = nil
        let bob = try SyncNode.open(configuration: bobConfiguration, directory: directory.appending("b"))
        try await bob.start()
        // (The count follows the store's commit on the node's event loop.)
        try await eventually("Bob to hold Alice's write, and Alice to compact it and count it", within: 60) {
            try alice.store.batches([first.id]).isEmpty && alice.metrics.batchesCompacted == 1
        }
        #expect(try bob.store.batches([first.id]) == [first])
        #expect(try alice.store.summary().compacted.contains(origin: a.nodeID, sequence: first.sequence))
        #expect(alice.metrics.batchesCompacted == 1)

        // The node keeps syncing after compaction.
        try await alice.write(collection: "customers", record: "c2", fields: ["name": .string("Bo")])
        try await eventually("Bob to receive the next write", within: 60) {
            try await bob.record(collection: "customers", id: "c2") != nil
        }
        try await bob.shutdown()
        try await alice.shutdown()
    }
}
