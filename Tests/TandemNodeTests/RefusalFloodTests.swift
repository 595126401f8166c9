import NIOCore
import NIOPosix
import Synchronization
import TandemCore
import TandemCrypto
import TandemNet
import TandemNode
import TandemStore
import TandemSync
import Testing
import TandemTestSupport

/// A trusted peer that sends faster than the node can refuse: refusals cost
/// a few audit rows, not a transaction each; the peer is cut off past the
/// refusal limit and its new connections are refused; an honest peer is
/// served throughout.
@Suite("Refusal floods")
struct RefusalFloodTests {
    @Test("a flood of refused batches costs a few audit rows, cuts the sender off and leaves an honest peer served")
    func refusalFlood() async throws {
        let directory = try TemporaryDirectory("refusal-flood")
        defer { directory.remove() }
        let (a, b, c) = (TestKeys.alice, TestKeys.bob, TestKeys.carol)
        var configuration = testConfiguration(a, members: [b.nodeID, c.nodeID])
        configuration.refusals = RefusalLedger.Policy(intervalMillis: 600_000, disconnectAfter: 3_000)
        configuration.refusalCutOffMillis = 600_000
        let alice = try SyncNode.open(configuration: configuration, directory: directory.appending("a"))
        try await alice.start()
        let port = try #require(alice.boundPort)
        let carol = try SyncNode.open(
            configuration: testConfiguration(c, peers: [PeerAddress(node: a.nodeID, host: "127.0.0.1", port: port)]),
            directory: directory.appending("c"))
        try await carol.start()
        try await eventually("Carol to connect", within: 60) { alice.connectedPeers == [c.nodeID] }
        let refusalRows = { try alice.store.auditEvents(after: 0, limit: 100_000).filter { $0.event.kind == .rejected }.count }
        let auditBefore = try refusalRows()

        // Bob's key (trusted by Alice) sends 10 messages of 1,000 batches
        // with bad signatures each, then one of 2,000 (over the cap).
        func bogus(_ range: Range<Int>) -> [UInt8] {
            SyncMessage.batches(range.map {
                DeltaBatch(origin: b.nodeID, sequence: UInt64($0 + 1), collection: "customers", payload: [1, 2, 3],
                           signature: Array(repeating: 7, count: 64))
            }).encoded()
        }
        let flood = (0..<10).map { bogus($0 * 1_000..<($0 + 1) * 1_000) } + [bogus(10_000..<12_000)]
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        func connectAsBob(sending messages: [[UInt8]]) async throws -> any Channel {
            try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureTandemHandlers(
                            role: .client, identity: b, allowList: [a.nodeID], expectedPeer: a.nodeID)
                        try channel.pipeline.syncOperations.addHandler(SendOnAuthentication(messages: messages))
                    }
                }
                .connect(host: "127.0.0.1", port: port)
                .get()
        }
        // Bob's connections until `done`: a connection whose handshake
        // timed out on a loaded machine (Bob, unlike a node, does not dial
        // again by himself) is opened again, sending `messages` again.
        let bobsChannel = Mutex<(any Channel)?>(nil)
        func keepConnectingAsBob(sending messages: [[UInt8]], _ what: String, until done: () -> Bool) async throws {
            var connections = 0
            do {
                try await eventually(what, within: 120) {
                    if done() { return true }
                    let open = bobsChannel.withLock { $0 }
                    if open == nil || open?.isActive == false {
                        bobsChannel.withLock { $0 = nil }
                        connections += 1
                        let channel = try await connectAsBob(sending: messages)
                        bobsChannel.withLock { $0 = channel }
                    }
                    return done()
                }
            } catch {
                Issue.record("\(what): \(connections) connections opened again; Alice's metrics: \(alice.metrics)")
                throw error
            }
        }
        let firstFlood = try await connectAsBob(sending: flood)
        bobsChannel.withLock { $0 = firstFlood }

        // Meanwhile Carol's writes reach Alice, one after another.
        var latencies: [Duration] = []
        for index in 0..<20 {
            let start = ContinuousClock.now
            try await carol.write(collection: "customers", record: "c\(index)", fields: ["name": .string("v\(index)")])
            try await eventually("Carol's write \(index) to reach Alice", within: 60) {
                try await alice.record(collection: "customers", id: "c\(index)") != nil
            }
            latencies.append(ContinuousClock.now - start)
        }
        print("Carol -> Alice during the flood: median \(latencies.sorted()[latencies.count / 2]), max \(latencies.max() ?? .zero)")

        try await keepConnectingAsBob(sending: flood, "Alice to cut Bob off") { alice.metrics.peersCutOff == 1 }
        try await bobsChannel.withLock { $0 }?.closeFuture.get()
        let refused = alice.metrics.rejections["bad_signature", default: 0]
        #expect(refused > 3_000)
        #expect(!alice.connectedPeers.contains(b.nodeID))
        #expect(try alice.store.summary().batches.held.nodes[b.nodeID] == nil)

        // Bob's next connection is refused while he is cut off.
        bobsChannel.withLock { $0 = nil }
        try await keepConnectingAsBob(sending: [], "Alice to refuse Bob's new connection") {
            alice.metrics.cutOffConnectionsRefused >= 1
        }

        // A few rows for thousands of refusals, and none lost: after
        // shutdown the aggregated rows account for every refusal.
        let during = try refusalRows() - auditBefore
        #expect(during <= 5, "refusal rows written during the flood: \(during)")
        try await carol.shutdown()
        try await alice.shutdown()
        let reopened = try SQLiteStore(directory: directory.appending("a"), node: a.nodeID, now: 0)
        let rows = try reopened.auditEvents(after: 0, limit: 100_000)
            .filter { $0.event.node == b.nodeID && $0.event.detail.contains("bad_signature") || $0.event.detail.contains("signature does not verify") }
        let accounted = rows.reduce(0) { total, row in
            total + (row.event.detail.contains("more refusals") ? Int(row.event.detail.prefix { $0 != " " }) ?? 0 : 1)
        }
        #expect(accounted == refused)
        try reopened.close()
        try await group.shutdownGracefully()
    }

    @Test("connections sending garbage before any handshake cost a couple of audit rows, and none is lost")
    func garbageConnections() async throws {
        let directory = try TemporaryDirectory("garbage-connections")
        defer { directory.remove() }
        let a = TestKeys.alice
        let alice = try SyncNode.open(configuration: testConfiguration(a), directory: directory.appending("a"))
        try await alice.start()
        let port = try #require(alice.boundPort)
        let before = try alice.store.auditEvents(after: 0, limit: 10_000).count

        // 300 connections, each sending four zero bytes (a frame of length 0).
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let started = ContinuousClock.now
        for _ in 0..<300 {
            let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
            do {
                try await channel.writeAndFlush(ByteBuffer(bytes: [0, 0, 0, 0]))
            } catch ChannelError.ioOnClosedChannel {
                // Alice closed it first (on a busy machine the close can
                // arrive before this write is made): refused all the same.
            }
            try await channel.closeFuture.get()
        }
        try await eventually("Alice to refuse all 300", within: 60) { alice.metrics.totalTransportRejections >= 300 }
        let during = try alice.store.auditEvents(after: 0, limit: 10_000).count - before
        // Two rows per 10 s audit interval at most (the first refusal at
        // once, the rest as one row); under load the 300 connections can
        // span more than one interval.
        let intervals = Int((ContinuousClock.now - started).components.seconds / 10) + 1
        #expect(during <= 2 * intervals, "audit rows for 300 refused connections over \(intervals) intervals: \(during)")

        // At shutdown the rest is written as one row: every refusal accounted for.
        let refused = alice.metrics.totalTransportRejections
        try await alice.shutdown()
        let reopened = try SQLiteStore(directory: directory.appending("a"), node: a.nodeID, now: 0)
        let rows = try reopened.auditEvents(after: 0, limit: 10_000).map(\.event).filter { $0.detail.contains("transport") }
        let accounted = rows.reduce(0) { total, row in
            total + (row.detail.contains("more refusals") ? Int(row.detail.prefix { $0 != " " }) ?? 0 : 1)
        }
        #expect(accounted == refused)
        try reopened.close()
        try await group.shutdownGracefully()
    }
}
