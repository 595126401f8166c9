import TandemCore
import TandemStore
import TandemSync
import TandemTestSupport
import Testing

/// Digest reconciliation cannot be used to amplify: small requests get
/// replies bounded per request and per second; a peer catching up honestly
/// still gets everything, at the budget's pace.
@Suite(.ownThread) struct ReplyBudgetTests {
    let a = TestNetwork.node(1)
    let b = TestNetwork.node(2)

    func network(records: Int) throws -> TestNetwork {
        var network = try TestNetwork(nodes: [a, b]) { trusted in
            var configuration = SyncConfiguration(trustedOrigins: trusted)
            configuration.stateSources = trusted
            configuration.replyBudget = ReplyBudget(burstBytes: 512 << 10, bytesPerSecond: 128 << 10, maxBytesPerRequest: 256 << 10)
            return configuration
        }
        let value = String(repeating: "x", count: 1_000)
        for index in 0..<records {
            try network.write(a, record: "r\(index)", field: "notes", value: .string("\(index) \(value)"))
        }
        return network
    }

    @Test func smallRequestsGetBoundedReplies() throws {
        var network = try network(records: 1_200)
        network.connect(a, b)
        network.links = [:]
        // B asks 25 times for every bucket, claiming one record in each.
        let request = SyncMessage.bucketDigests(
            collection: "customers", level: 1,
            buckets: (0..<16).map { DigestReconciliation.BucketDigest(prefix: UInt32($0), count: 1, digest: 1) }
        ).encoded()
        for _ in 0..<25 { network.drivers[a]?.receive(request, from: b, now: network.now) }
        network.collect()
        let sent = network.links[TestNetwork.Link(from: a, to: b)]?.reduce(0) { $0 + $1.count } ?? 0
        // About 1.2 MB of records; unbounded, 25 requests would draw 30 MB.
        #expect(sent < 1_000_000, "bytes sent for 25 requests of \(request.count) bytes: \(sent)")
        #expect(sent > 256 << 10)
        #expect(network.drivers[a]?.shell.events.contains { if case .replyCutShort = $0 { true } else { false } } == true)
    }

    @Test func anHonestCatchUpStillCompletesAtTheBudgetsPace() throws {
        var network = try network(records: 900)
        try network.compactEverything(a)
        network.connect(a, b)
        var rounds = 0
        while try network.state(b) != network.state(a), rounds < 200 {
            network.settle()
            network.advance(1_001)
            rounds += 1
        }
        network.settle()
        #expect(try network.state(b) == network.state(a))
        #expect(rounds > 1, "the budget spread the catch-up over several rounds")
    }
}
