import TandemCore
import TandemCrypto
import TandemNet
import TandemNode
import TandemStore
import TandemSync
import Testing
import TandemTestSupport

/// Every batch a node commits fits in one frame, and catching up never
/// builds a message larger than a frame.
@Suite("Message size")
struct MessageSizeTests {
    /// A node whose frames carry at most 64 KiB.
    func smallFrames(_ keys: NodeKeyPair, peers: [PeerAddress] = [], members: Set<NodeID> = []) -> SyncNodeConfiguration {
        var configuration = testConfiguration(keys, peers: peers, members: members)
        configuration.transport = TransportConfiguration(maximumFrameLength: 64 * 1024)
        return configuration
    }

    @Test("a change too large for one frame is refused before commit; the small changes beside it are not")
    func oversizedChange() async throws {
        let directory = try TemporaryDirectory("oversized")
        defer { directory.remove() }
        let alice = try SyncNode.open(
            configuration: smallFrames(TestKeys.alice, members: [TestKeys.bob.nodeID]), directory: directory.path)
        try await alice.start()

        let large: [String: Value] = ["notes": .string(String(repeating: "x", count: 100_000))]
        do {
            try await alice.write(collection: "customers", record: "large", fields: large)
            Issue.record("a 100 KB change was committed with 64 KiB frames")
        } catch let error as SyncWriteError {
            guard case .batchTooLarge(let collection, let bytes, let limit) = error else { throw error }
            #expect(collection == "customers")
            #expect(bytes > 100_000)
            #expect(limit < 64 * 1024)
            #expect("\(error)".contains("split it into smaller changes"))
        }
        #expect(try alice.store.summary().batches == BatchVector())
        #expect(try await alice.record(collection: "customers", id: "large") == nil)

        // Submitted together, the small changes share a batch and the large
        // one fails alone.
        let outcomes = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            group.addTask {
                do {
                    try await alice.write(collection: "customers", record: "large", fields: large)
                    return ("large", true)
                } catch is SyncWriteError {
                    return ("large", false)
                }
            }
            for index in 0..<20 {
                group.addTask {
                    try await alice.write(collection: "customers", record: "small-\(index)", fields: ["name": .string("n\(index)")])
                    return ("small-\(index)", true)
                }
            }
            var outcomes: [String: Bool] = [:]
            for try await (id, committed) in group { outcomes[id] = committed }
            return outcomes
        }
        #expect(outcomes["large"] == false)
        #expect(outcomes.filter { $0.key != "large" }.values.allSatisfy { $0 })
        #expect(try records(alice.store).count == 20)
        try await alice.shutdown()
    }

    @Test("a peer catching up gets many batches in messages that each fit a frame")
    func catchUpRespectsTheFrameLimit() async throws {
        let directory = try TemporaryDirectory("catch-up")
        defer { directory.remove() }
        let (a, b) = (TestKeys.alice, TestKeys.bob)
        let alice = try SyncNode.open(configuration: smallFrames(a, members: [b.nodeID]), directory: directory.appending("a"))
        try await alice.start()
        let port = try #require(alice.boundPort)
        // 40 batches of about 10 KB: far more than one 64 KiB frame together.
        for index in 0..<40 {
            let letter = ["a", "b", "c", "d", "e"][index % 5]
            let notes = "\(index) " + String(repeating: letter, count: 10_000)
            try await alice.write(collection: "customers", record: "customer-\(index)", fields: ["notes": .string(notes)])
        }

        let bob = try SyncNode.open(
            configuration: smallFrames(b, peers: [PeerAddress(node: a.nodeID, host: "127.0.0.1", port: port)]),
            directory: directory.appending("b"))
        try await bob.start()
        try await eventually("Bob to catch up on all 40 batches") {
            try bob.store.summary().batches == alice.store.summary().batches
        }
        #expect(try records(bob.store) == records(alice.store))
        let metrics = alice.metrics
        #expect(metrics.transportRejections.isEmpty)
        #expect(metrics.sendsDropped == 0)
        // At most six 10 KB batches fit a 64 KiB frame: at least seven
        // messages carried the 40 batches, none over the limit.
        #expect(bob.metrics.appliedBatches == 40)
        #expect(bob.metrics.messagesReceived >= 7)
        try await bob.shutdown()
        try await alice.shutdown()
    }
}
