import TandemCore
import TandemStore
import TandemSync
import TandemTestSupport
import Testing

/// Reconciled state carries no origin signatures, so a node takes it only
/// from its state sources (`SyncConfiguration.stateSources`); it still
/// serves its own state to other peers.
@Suite(.ownThread) struct StateSourceTests {
    let a = TestNetwork.node(1)
    let b = TestNetwork.node(2)
    let c = TestNetwork.node(3)

    /// A, B and C trust each other's batches; only A and B are state sources.
    func network() throws -> TestNetwork {
        try TestNetwork(nodes: [a, b, c]) { trusted in
            var configuration = SyncConfiguration(trustedOrigins: trusted)
            configuration.stateSources = [a, b]
            return configuration
        }
    }

    /// A state digest equal to `target`'s records that claims the next ten
    /// batches and dots of every node: what a lying peer would send.
    func forgedDigest(for target: NodeID, in network: TestNetwork, claimingTargetsDots: Bool = true) throws -> [UInt8] {
        let store = try #require(network.stores[target])
        let held = try #require(network.drivers[target]?.machine.held)
        var claimed = held
        var context = try store.workingSet("customers", records: []).context
        for node in [a, b, c] {
            let next = held.nextSequence(for: node)
            claimed.insert(origin: node, sequence: next + 9)
            if node != target || claimingTargetsDots { context.insert(node: node, 1...(next + 50)) }
        }
        let digests = try store.collections().map { name in
            let root = DigestReconciliation.root(fromLeaves: try store.leafDigests(name))
            return CollectionDigest(collection: name, count: root.count, digest: root.digest, context: context)
        }
        return SyncMessage.stateDigest(held: claimed, collections: digests).encoded()
    }

    /// A and B connected, A holding one write of its own, nothing in flight.
    func networkWhereAHasOneWrite() throws -> TestNetwork {
        var network = try network()
        network.connect(a, b)
        try network.write(a, record: "r1", field: "name", value: .string("Ann"))
        network.settle()
        network.links = [:]
        return network
    }

    func rounds(_ network: inout TestNetwork, _ count: Int) {
        for _ in 0..<count {
            network.advance(1_001)
            network.settle()
        }
    }

    @Test("a peer that is not a state source is served, but its digests and records are refused and audited")
    func notAStateSource() throws {
        var network = try network()
        network.connect(a, b)
        for index in 0..<30 { try network.write(a, record: "r\(index)", field: "name", value: .string("v\(index)")) }
        network.settle()
        try network.compactEverything(a)

        // C is new and A compacted its log: C catches up from A by digest.
        // A serves C (C takes A's state) although A takes none from C.
        network.connect(a, c)
        network.settle()
        rounds(&network, 3)
        #expect(try network.state(c) == network.state(a))
        #expect(try network.stores[c]?.summary().batches == network.stores[a]?.summary().batches)
        #expect(network.drivers[a]?.machine.counters.rejected.isEmpty == true, "\(network.drivers[a]?.machine.counters.rejected ?? [:])")

        // C lies to B: a digest equal to B's records claiming batches and
        // dots nobody made yet, then a records chunk.
        network.connect(b, c)
        network.settle()
        let heldBefore = try network.stores[b]?.summary().batches
        let stateBefore = try network.state(b)
        network.links = [:]
        let forged = try forgedDigest(for: b, in: network)
        network.drivers[b]?.receive(forged, from: c, now: network.now)
        var chunk = RecordsChunk(
            collection: "customers", leaves: 0...65_535, payload: try network.state(c).encoded(), isReply: false)
        chunk.signature = TestSignature.sign(chunk.signingBytes, by: c)
        let records = SyncMessage.records(chunk).encoded()
        network.drivers[b]?.receive(records, from: c, now: network.now)
        network.collect()

        #expect(network.drivers[b]?.machine.counters.rejected == ["untrusted_state_source": 2])
        #expect(try network.stores[b]?.summary().batches == heldBefore)
        #expect(try network.state(b) == stateBefore)
        #expect(network.busyLinks.isEmpty, "B answered a peer it takes no state from")
        // The first refusal is audited at once; the second of the same kind
        // in the interval is counted and audited with the interval's row.
        var audit = try network.stores[b]?.auditEvents(after: 0, limit: 1_000) ?? []
        #expect(audit.filter { $0.event.kind == .rejected && $0.event.node == c && $0.event.detail.contains("not a state source") }.count == 1)
        network.drivers[b]?.flushRefusals(now: network.now, everything: true)
        audit = try network.stores[b]?.auditEvents(after: 0, limit: 1_000) ?? []
        #expect(audit.contains { $0.event.node == c && $0.event.detail.hasPrefix("1 more refusals (untrusted_state_source)") })

        // The genuine next write of A still reaches B and C.
        try network.write(a, record: "after", field: "name", value: .string("Ada"))
        network.settle()
        #expect(try network.state(b).value(of: "name", in: "after") == .string("Ada"))
        #expect(try network.state(c).value(of: "name", in: "after") == .string("Ada"))
    }

    @Test("a state source whose digest claims this node's unmade writes is refused")
    func aStateSourceClaimingOurUnmadeWritesIsRefused() throws {
        var network = try networkWhereAHasOneWrite()
        let heldBefore = try network.stores[a]?.summary().batches
        let forged = try forgedDigest(for: a, in: network)
        network.drivers[a]?.receive(forged, from: b, now: network.now)
        #expect(try network.stores[a]?.summary().batches == heldBefore)
        #expect(network.drivers[a]?.machine.counters.rejected == ["forged_state": 1])
        // A can still write.
        try network.write(a, record: "r2", field: "name", value: .string("Bo"))
        #expect(try network.state(a).count == 2)
    }

    @Test("a state source that lies about other nodes is believed (the documented limit of reconciliation)")
    func aLyingStateSourceIsBelieved() throws {
        var network = try networkWhereAHasOneWrite()
        let heldBefore = try network.stores[a]?.summary().batches
        // B is one of A's state sources and lies about B's and C's writes.
        let forged = try forgedDigest(for: a, in: network, claimingTargetsDots: false)
        network.drivers[a]?.receive(forged, from: b, now: network.now)
        let heldAfter = try network.stores[a]?.summary().batches
        withKnownIssue("reconciled state is vouched for by the peer, not by the origins (docs/protocol.md, Trust)") {
            #expect(heldAfter == heldBefore)
        }
    }

    @Test("by default a node takes reconciled state from no one: a trusted peer's planted write does not hide the genuine one")
    func noStateSourcesByDefault() throws {
        #expect(SyncConfiguration(trustedOrigins: [a, b, c]).stateSources.isEmpty)
        var network = try TestNetwork(nodes: [a, b, c]) { SyncConfiguration(trustedOrigins: $0) }
        network.connect(a, b)
        network.connect(b, c)
        network.settle()

        // A (trusted for its batches) sends B a records chunk that plants a
        // value under C's first dot, stamped ten years ahead.
        var planted = RecordCollection()
        let tenYears: UInt64 = 10 * 365 * 24 * 3_600 * 1_000
        try planted.set("name", to: .string("planted"), in: "r1", by: c,
                        at: HLCTimestamp(rawValue: (network.now + tenYears) << 16))
        var chunk = RecordsChunk(collection: "customers", leaves: 0...65_535, payload: planted.encoded(), isReply: false)
        chunk.signature = TestSignature.sign(chunk.signingBytes, by: a)
        network.drivers[b]?.receive(SyncMessage.records(chunk).encoded(), from: a, now: network.now)
        network.collect()
        #expect(network.drivers[b]?.machine.counters.rejected == ["untrusted_state_source": 1])
        #expect(try network.state(b).records.isEmpty)

        // C's genuine first write (the same dot c:1) reaches B and A.
        try network.write(c, record: "r1", field: "name", value: .string("genuine"))
        network.settle()
        #expect(try network.state(b).value(of: "name", in: "r1") == .string("genuine"))
        #expect(try network.state(a).value(of: "name", in: "r1") == .string("genuine"))
    }
}
