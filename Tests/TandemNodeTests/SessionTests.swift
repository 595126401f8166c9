import TandemCore
import TandemCrypto
import TandemNode
import TandemStore
import Testing
import TandemTestSupport

/// Session bookkeeping when two nodes dial each other.
@Suite("Sessions")
struct SessionTests {
    @Test("two nodes that dial each other keep one session, and resume it after a restart")
    func mutualDial() async throws {
        let directory = try TemporaryDirectory("mutual")
        defer { directory.remove() }
        let (a, b) = (TestKeys.alice, TestKeys.bob)
        // Bind both listeners first (the peers' ports are needed to dial).
        let first = try SyncNode.open(configuration: testConfiguration(a), directory: directory.appending("probe-a"))
        let second = try SyncNode.open(configuration: testConfiguration(b), directory: directory.appending("probe-b"))
        try await first.start()
        try await second.start()
        let (portA, portB) = (try #require(first.boundPort), try #require(second.boundPort))
        try await first.shutdown()
        try await second.shutdown()

        func makeAlice() throws -> SyncNode {
            try SyncNode.open(
                configuration: testConfiguration(a, port: portA, peers: [PeerAddress(node: b.nodeID, host: "127.0.0.1", port: portB)]),
                directory: directory.appending("a"))
        }
        let alice = try makeAlice()
        let bob = try SyncNode.open(
            configuration: testConfiguration(b, port: portB, peers: [PeerAddress(node: a.nodeID, host: "127.0.0.1", port: portA)]),
            directory: directory.appending("b"))
        try await alice.start()
        try await bob.start()

        try await alice.write(collection: "customers", record: "ada", fields: ["name": .string("Ada")])
        try await bob.write(collection: "customers", record: "grace", fields: ["name": .string("Grace")])
        try await eventually("both writes on both nodes") {
            try records(alice.store).count == 2 && records(bob.store).count == 2
        }
        // Whatever the interleaving of the two dials, each side ends with one session.
        for node in [alice, bob] {
            try await eventually("one open session") {
                let metrics = node.metrics
                return node.connectedPeers.count == 1 && metrics.sessionsOpened - metrics.sessionsClosed == 1
            }
        }

        // Alice restarts; the pair reconnects and carries on.
        try await alice.shutdown()
        try await eventually("Bob to notice") { bob.connectedPeers.isEmpty }
        try await bob.write(collection: "customers", record: "edsger", fields: ["name": .string("Edsger")])
        let again = try makeAlice()
        try await again.start()
        try await eventually("the restarted Alice to catch up, in one session each way") {
            try records(again.store).count == 3
                && again.connectedPeers == [b.nodeID] && bob.connectedPeers == [a.nodeID]
        }
        #expect(try records(again.store) == records(bob.store))

        try await again.shutdown()
        try await bob.shutdown()
    }
}
