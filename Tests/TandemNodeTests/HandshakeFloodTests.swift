import NIOCore
import NIOPosix
import TandemCore
import TandemCrypto
import TandemNet
import TandemNode
import Testing
import TandemTestSupport

/// Connections that open TCP and never say a word must not keep a node from
/// answering a legitimate peer: past the caps on unauthenticated connections
/// the node drops the oldest of them (docs/protocol.md, "Transport hardening").
@Suite("Handshake flood")
struct HandshakeFloodTests {
    /// Caps that make one of the two bind: the per-address cap (every test
    /// connection comes from 127.0.0.1) or the global one.
    enum Binding: String, CaseIterable, CustomTestStringConvertible {
        case perAddress, total
        var testDescription: String { rawValue }
    }

    @Test("idle connections past a cap are dropped oldest first, counted, and a legitimate peer still syncs",
          arguments: Binding.allCases)
    func idleFlood(binding: Binding) async throws {
        let directory = try TemporaryDirectory("handshake-flood-\(binding.rawValue)")
        defer { directory.remove() }
        let (a, b) = (TestKeys.alice, TestKeys.bob)
        let cap = 8
        let idleCount = 40
        var configuration = testConfiguration(a, members: [b.nodeID])
        // Far beyond the test's deadlines: only the caps may close an idle connection.
        configuration.transport = TransportConfiguration(handshakeTimeout: .seconds(600))
        switch binding {
        case .perAddress:
            configuration.maxUnauthenticatedConnectionsPerAddress = cap
        case .total:
            configuration.maxUnauthenticatedConnections = cap
            configuration.maxUnauthenticatedConnectionsPerAddress = 10 * idleCount
        }
        let alice = try SyncNode.open(configuration: configuration, directory: directory.appending("a"))
        try await alice.start()
        let port = try #require(alice.boundPort)

        // Idle connections: TCP only, never a byte. Connected one after the
        // other, so the node accepts them in this order.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var idle: [any Channel] = []
        for _ in 0..<idleCount {
            idle.append(try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get())
        }
        let dropped = idleCount - cap
        try await eventually("Alice to drop \(dropped) idle connections", within: 60) {
            alice.metrics.unauthenticatedDropped >= dropped
        }
        try await eventually("the \(dropped) oldest idle connections to be closed by Alice", within: 60) {
            idle.prefix(dropped).allSatisfy { !$0.isActive }
        }
        #expect(alice.metrics.unauthenticatedDropped == dropped)
        #expect(idle.suffix(cap).allSatisfy { $0.isActive })

        // A legitimate peer, behind a full cap, still completes its handshake and syncs.
        let bob = try SyncNode.open(
            configuration: testConfiguration(b, peers: [PeerAddress(node: a.nodeID, host: "127.0.0.1", port: port)]),
            directory: directory.appending("b"))
        try await bob.start()
        try await bob.write(collection: "customers", record: "c-1", fields: ["name": .string("Ada")])
        try await eventually("Bob's record to reach Alice", within: 60) {
            try await alice.record(collection: "customers", id: "c-1") != nil
        }
        #expect(alice.connectedPeers == [b.nodeID])
        // Admitting Bob's connection dropped the oldest idle one left.
        let metrics = alice.metrics
        #expect(metrics.unauthenticatedDropped >= dropped + 1)
        #expect(metrics.unauthenticatedDroppedPerAddress == (binding == .perAddress ? metrics.unauthenticatedDropped : 0))

        try await bob.shutdown()
        try await alice.shutdown()
        try await group.shutdownGracefully()
    }
}
