import TandemCore
import TandemStore
import TandemSync
import TandemTestSupport
import Testing

/// Every kind of bad input from a peer is refused without any state change,
/// counted by reason and written to the audit log.
@Suite(.ownThread) struct BadInputTests {
    let a = TestNetwork.node(1)
    let b = TestNetwork.node(2)
    let stranger = TestNetwork.node(9)

    /// A network where A made one batch B has not seen yet, connected, and
    /// that batch captured (not delivered).
    func networkWithPendingBatch() throws -> (TestNetwork, DeltaBatch) {
        var network = try TestNetwork(nodes: [a, b])
        network.connect(a, b)
        network.settle()
        network.disconnect(a, b)
        let batch = try #require(try network.write(a, record: "r1", field: "name", value: .string("Ann")))
        network.connect(a, b)
        network.links = [:]  // nothing delivered: the test delivers by hand
        return (network, batch)
    }

    func deliver(_ batches: [DeltaBatch], to node: NodeID, from peer: NodeID, in network: inout TestNetwork) {
        network.drivers[node]?.receive(SyncMessage.batches(batches).encoded(), from: peer, now: network.now)
        network.collect()
    }

    func rejectedAudits(_ network: TestNetwork, _ node: NodeID) throws -> [AuditRecord] {
        try network.stores[node]?.auditEvents(after: 0, limit: 1_000).filter { $0.event.kind == .rejected } ?? []
    }

    @Test func aBatchWhoseSignatureDoesNotVerifyIsRefused() throws {
        var (network, batch) = try networkWithPendingBatch()
        var forged = batch
        forged.signature[0] ^= 1
        deliver([forged], to: b, from: a, in: &network)
        #expect(try network.state(b).count == 0)
        #expect(network.drivers[b]?.machine.counters.rejected["bad_signature"] == 1)
        #expect(try rejectedAudits(network, b).count == 1)
        // The genuine batch is still accepted afterwards.
        deliver([batch], to: b, from: a, in: &network)
        #expect(try network.state(b).value(of: "name", in: "r1") == .string("Ann"))
    }

    @Test func aBatchFromAnUntrustedOriginIsRefused() throws {
        var (network, _) = try networkWithPendingBatch()
        var payload = RecordCollection()
        try payload.set("name", to: .string("Mallory"), in: "r1", by: stranger, at: HLCTimestamp(rawValue: 1 << 30))
        var foreign = DeltaBatch(origin: stranger, sequence: 1, collection: "customers", payload: payload.encoded())
        foreign.signature = TestSignature.sign(foreign.signingBytes, by: stranger)
        deliver([foreign], to: b, from: a, in: &network)
        #expect(try network.state(b).count == 0)
        #expect(network.drivers[b]?.machine.counters.rejected["untrusted_origin"] == 1)
        #expect(try rejectedAudits(network, b).count == 1)
    }

    @Test func aBatchWritingUnderAnotherNodesDotsIsRefused() throws {
        var (network, _) = try networkWithPendingBatch()
        // Signed by A, but the entry claims B's dot: A cannot write as B.
        var payload = RecordCollection()
        try payload.set("name", to: .string("as B"), in: "r1", by: b, at: HLCTimestamp(rawValue: 1 << 30))
        var lying = DeltaBatch(origin: a, sequence: 2, collection: "customers", payload: payload.encoded())
        lying.signature = TestSignature.sign(lying.signingBytes, by: a)
        deliver([lying], to: b, from: a, in: &network)
        #expect(try network.state(b).count == 0)
        #expect(network.drivers[b]?.machine.counters.rejected["malformed_batch"] == 1)
    }

    @Test func aReplayedBatchIsAppliedOnceAcrossRestarts() throws {
        var (network, batch) = try networkWithPendingBatch()
        deliver([batch], to: b, from: a, in: &network)
        deliver([batch, batch], to: b, from: a, in: &network)
        #expect(network.drivers[b]?.machine.counters.appliedBatches == 1)
        #expect(network.drivers[b]?.machine.counters.duplicateBatches == 2)
        // B restarts from its store: the replay is still recognised.
        let restarted = try #require((network.stores[b] as? InMemoryStore)?.restartedAfterCrash())
        try network.add(b, trusted: [a, b], store: restarted)
        deliver([batch], to: b, from: a, in: &network)
        #expect(network.drivers[b]?.machine.counters.appliedBatches == 0)
        let log = try restarted.batches(missingFrom: BatchVector(), limit: 100)
        #expect(log.filter { $0.origin == a }.count == 1)
    }

    @Test func aBatchBeyondTheDriftBoundIsHeldThenApplied() throws {
        var (network, _) = try networkWithPendingBatch()
        var payload = RecordCollection()
        let ahead = HLCTimestamp(rawValue: (network.now + 60_000) << 16)
        try payload.set("name", to: .string("from the future"), in: "r9", by: a, at: ahead)
        var future = DeltaBatch(origin: a, sequence: 2, collection: "customers", payload: payload.encoded())
        future.signature = TestSignature.sign(future.signingBytes, by: a)
        deliver([future], to: b, from: a, in: &network)
        #expect(try network.state(b).count == 0)
        #expect(network.drivers[b]?.machine.heldForClockSkew == 1)
        #expect(try rejectedAudits(network, b).contains { $0.event.detail.contains("held until local time") })
        // B's clock did not move towards the future timestamp.
        #expect((network.drivers[b]?.machine.clock.latest.physical ?? .max) < network.now + 1_000)
        network.advance(61_000)
        #expect(try network.state(b).value(of: "name", in: "r9") == .string("from the future"))
    }

    @Test func garbageBytesAreRefusedAsAMalformedMessage() throws {
        var (network, _) = try networkWithPendingBatch()
        network.drivers[b]?.receive([0x54, 0x4E, 0x44, 0x4D, 1, 16, 2, 0xFF, 0xFF], from: a, now: network.now)
        network.drivers[b]?.receive(Array("hello".utf8), from: a, now: network.now)
        #expect(network.drivers[b]?.machine.counters.rejected["malformed_message"] == 2)
        // One row at once; the second refusal of the kind joins the interval's row.
        #expect(try rejectedAudits(network, b).count == 1)
        network.advance(10_000)
        #expect(try rejectedAudits(network, b).last?.event.detail.hasPrefix("1 more refusals (malformed_message)") == true)
        #expect(try network.state(b).count == 0)
    }

    @Test func aPeerThatDoesNotAcknowledgeGetsAtMostTheInFlightBound() throws {
        var network = try TestNetwork(nodes: [a, b]) { trusted in
            SyncConfiguration(trustedOrigins: trusted, maxBatchesPerMessage: 4, maxInFlightBatchesPerPeer: 10)
        }
        for index in 0..<50 { try network.write(a, record: "r\(index)", field: "f", value: .int(Int64(index))) }
        network.connect(a, b)
        // B's first summary reaches A; after that, B's messages are lost (it
        // never acknowledges): A must stop after 10 batches.
        network.deliver(TestNetwork.Link(from: b, to: a))
        var delivered = 0
        while let queue = network.links[TestNetwork.Link(from: a, to: b)], !queue.isEmpty {
            network.deliver(TestNetwork.Link(from: a, to: b))
            network.links[TestNetwork.Link(from: b, to: a)] = []
            delivered += 1
        }
        #expect(try network.state(b).count == 10)
        // Once B's summary gets through, the rest flows.
        network.settle()
        network.advance(1_001)
        network.settle()
        for _ in 0..<6 {
            network.advance(1_001)
            network.settle()
        }
        #expect(try network.state(b).count == 50)
        #expect(delivered > 0)
    }
}
