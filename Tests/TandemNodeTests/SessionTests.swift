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
        // Each node's port must be known before the other starts (to dial
        // it): free ports are found by binding port 0 and closing. Another
        // process can take one before the node binds it again, so a start
        // that finds its port taken tries fresh ports (three attempts).
        var attempt = 0
        var started: (alice: SyncNode, bob: SyncNode, portA: Int, portB: Int)?
        while started == nil {
            attempt += 1
            let first = try SyncNode.open(configuration: testConfiguration(a), directory: directory.appending("probe-a"))
            let second = try SyncNode.open(configuration: testConfiguration(b), directory: directory.appending("probe-b"))
            try await first.start()
            try await second.start()
            let (portA, portB) = (try #require(first.boundPort), try #require(second.boundPort))
            try await first.shutdown()
            try await second.shutdown()
            let alice = try SyncNode.open(
                configuration: testConfiguration(a, port: portA, peers: [PeerAddress(node: b.nodeID, host: "127.0.0.1", port: portB)]),
                directory: directory.appending("a"))
            let bob = try SyncNode.open(
                configuration: testConfiguration(b, port: portB, peers: [PeerAddress(node: a.nodeID, host: "127.0.0.1", port: portA)]),
                directory: directory.appending("b"))
            do {
                try await alice.start()
                try await bob.start()
                started = (alice, bob, portA, portB)
            } catch where "\(error)".contains("Address already in use") && attempt < 3 {
                try? await alice.shutdown()
                try? await bob.shutdown()
            }
        }
        guard let (alice, bob, portA, portB) = started else { return }
        func makeAlice() throws -> SyncNode {
            try SyncNode.open(
                configuration: testConfiguration(a, port: portA, peers: [PeerAddress(node: b.nodeID, host: "127.0.0.1", port: portB)]),
                directory: directory.appending("a"))
        }

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
