import TandemCore
import TandemCrypto
import TandemNode
import TandemStore
import Testing
import TandemTestSupport

/// Starting and stopping a node, and the ways starting can fail.
@Suite("Lifecycle")
struct LifecycleTests {
    @Test("start refuses another node's store and a port in use; writes need a running node")
    func failures() async throws {
        let directory = try TemporaryDirectory("lifecycle")
        defer { directory.remove() }

        let foreign = SyncNode(configuration: testConfiguration(TestKeys.alice), store: InMemoryStore(node: TestKeys.bob.nodeID))
        await #expect(throws: NodeError.storeOfAnotherNode(store: TestKeys.bob.nodeID, node: TestKeys.alice.nodeID)) {
            try await foreign.start()
        }
        try await foreign.shutdown()

        let first = try SyncNode.open(configuration: testConfiguration(TestKeys.alice), directory: directory.appending("a"))
        await #expect(throws: NodeError.notRunning) {
            try await first.write(collection: "customers", record: "early", fields: ["name": .string("too early")])
        }
        try await first.start()
        await #expect(throws: NodeError.alreadyStarted) { try await first.start() }
        let port = try #require(first.boundPort)
        let second = SyncNode(configuration: testConfiguration(TestKeys.bob, port: port), store: InMemoryStore(node: TestKeys.bob.nodeID))
        let error = await #expect(throws: NodeError.self) { try await second.start() }
        if case .bindFailed(_, let failedPort, _)? = error {
            #expect(failedPort == port)
        } else {
            Issue.record("expected bindFailed, got \(String(describing: error))")
        }
        try await second.shutdown()

        try await first.shutdown()
        try await first.shutdown()  // a second call does nothing
        #expect(first.boundPort == nil)
        #expect(first.connectedPeers.isEmpty)
    }
}
