import TandemCore
import TandemStore
import TandemSync
import TandemTestSupport
import Testing

/// Parity checks against a peer (`SyncInput.checkParity`): digests first,
/// records only where they differ, compared only at the same batch vector.
@Suite(.ownThread) struct PeerParityTests {
    let a = TestNetwork.node(1)
    let b = TestNetwork.node(2)

    /// A and B connected, `count` records written on A and delivered.
    func equalReplicas(_ count: Int, stateSources: Bool = true) throws -> TestNetwork {
        var network = try TestNetwork(nodes: [a, b]) { trusted in
            var configuration = SyncConfiguration(trustedOrigins: trusted)
            configuration.stateSources = stateSources ? trusted : []
            return configuration
        }
        network.connect(a, b)
        for index in 0..<count {
            try network.write(a, record: "r\(index)", field: "name", value: .string("v\(index)"))
        }
        network.settle()
        return network
    }

    /// Writes record `id` straight into `node`'s store, under a new dot of
    /// `node`, with no batch: what a damaged store or a write behind the
    /// node's back looks like to the protocol.
    func plant(_ id: String, value: String, on node: NodeID, in network: TestNetwork) throws {
        let store = try #require(network.stores[node])
        var working = try store.workingSet("customers", records: [id])
        let delta = try working.set("name", to: .string(value), in: id, by: node,
                                    at: HLCTimestamp(physical: network.now, logical: 0))
        _ = try store.commitReconciliation(delta, collection: "customers", from: node, clock: HLCTimestamp(physical: network.now, logical: 0), now: network.now)
    }

    /// Delivers everything in flight, returning each message's kind (its tag) by sender.
    func settleRecording(_ network: inout TestNetwork) -> [(from: NodeID, message: SyncMessage)] {
        var seen: [(NodeID, SyncMessage)] = []
        while let link = network.busyLinks.first {
            if let bytes = network.links[link]?.first, let message = try? SyncMessage(decoding: bytes) {
                seen.append((link.from, message))
            }
            network.deliver(link)
        }
        return seen
    }

    func reports(_ network: TestNetwork, on node: NodeID) -> [PeerParityReport] {
        (network.drivers[node]?.shell.events ?? []).compactMap {
            if case .peerParityChecked(let report) = $0 { report } else { nil }
        }
    }

    func rounds(_ network: inout TestNetwork, _ count: Int) {
        for _ in 0..<count {
            network.advance(1_001)
            network.settle()
        }
    }

    @Test("equal replicas exchange one request and one reply, and nothing else")
    func equalReplicasSendOnlyDigests() throws {
        var network = try equalReplicas(500)
        network.drivers[a]?.handle(.checkParity(with: b, timeoutMillis: 10_000), now: network.now)
        network.collect()
        let messages = settleRecording(&network)
        #expect(messages.count == 2)
        guard case .parityRequest? = messages.first?.message, case .parityReply? = messages.last?.message else {
            Issue.record("expected a request and a reply, got \(messages.map(\.message))")
            return
        }
        let report = try #require(reports(network, on: a).first)
        #expect(report.outcome == .inSync)
        #expect(report.peer == b)
        #expect(report.recordsCompared == 500)
        #expect(report.recordsRepaired == 0)
        #expect(report.comparisons == 1)
        // Two messages of a batch vector and one root each: about 200 bytes.
        #expect(report.bytesExchanged > 0 && report.bytesExchanged < 400, "\(report.bytesExchanged) bytes")
        #expect(network.drivers[a]?.machine.parityCheckRunning(with: b) == false)
    }

    @Test("records differing on either side are found, exchanged and repaired both ways, and counted")
    func differingRecordsAreRepairedBothWays() throws {
        // Enough records that the drill-down goes below level 1 (a level-1
        // bucket holds about 125 here, a level-2 one about 8).
        var network = try equalReplicas(2_000)
        try plant("only-on-a-1", value: "a1", on: a, in: network)
        try plant("only-on-a-2", value: "a2", on: a, in: network)
        try plant("only-on-b", value: "b1", on: b, in: network)
        #expect(try network.state(a) != network.state(b))

        network.drivers[a]?.handle(.checkParity(with: b, timeoutMillis: 30_000), now: network.now)
        network.collect()
        let first = settleRecording(&network)
        // The drill-down exchanged the records of three level-2 buckets
        // both ways, not the whole collection.
        let recordsSent = first.reduce(0) { total, entry in
            guard case .records(let chunk) = entry.message,
                  let decoded = try? RecordCollection(decoding: chunk.payload) else { return total }
            return total + decoded.count
        }
        #expect(recordsSent > 0 && recordsSent < 100, "\(recordsSent) records sent")
        #expect(try network.state(a) == network.state(b))
        #expect(reports(network, on: a).isEmpty, "the check ends only once a comparison finds both equal")

        rounds(&network, 2)
        let report = try #require(reports(network, on: a).first)
        #expect(report.outcome == .repaired)
        #expect(report.repairedHere == 1)
        #expect(report.repairedOnPeer == 2)
        #expect(report.recordsRepaired == 3)
        #expect(report.comparisons == 2)
        #expect(try network.state(a).value(of: "name", in: "only-on-b") == .string("b1"))
        #expect(try network.state(b).value(of: "name", in: "only-on-a-2") == .string("a2"))
        #expect(network.drivers[a]?.machine.counters.rejected.isEmpty == true)
        #expect(network.drivers[b]?.machine.counters.rejected.isEmpty == true)
    }

    @Test("a check started while batches are in flight compares only once both hold the same batches")
    func transientDifferencesAreNotReported() throws {
        var network = try equalReplicas(20)
        // B writes; its batch is on the way to A when A asks.
        try network.write(b, record: "r1", field: "name", value: .string("new"))
        network.drivers[a]?.handle(.checkParity(with: b, timeoutMillis: 30_000), now: network.now)
        network.collect()
        network.settle()
        #expect(reports(network, on: a).isEmpty)
        rounds(&network, 1)
        let report = try #require(reports(network, on: a).first)
        #expect(report.outcome == .inSync)
        #expect(report.comparisons == 1)
        #expect(report.recordsRepaired == 0)
    }

    @Test("without a state source either way, differences are reported and no records travel")
    func differencesWithoutStateSourceAreReportedNotRepaired() throws {
        var network = try equalReplicas(50, stateSources: false)
        try plant("only-on-a", value: "a", on: a, in: network)
        network.drivers[a]?.handle(.checkParity(with: b, timeoutMillis: 30_000), now: network.now)
        network.collect()
        let messages = settleRecording(&network)
        #expect(messages.count == 2, "\(messages.map(\.message))")
        let report = try #require(reports(network, on: a).first)
        #expect(report.outcome == .differencesRemain(collections: ["customers"], repairable: false))
        #expect(try network.state(b).value(of: "name", in: "only-on-a") == nil)
    }

    @Test("a peer not connected is unreachable at once; one that leaves during the check too; one that never answers times out")
    func unreachableAndTimedOut() throws {
        var network = try equalReplicas(5)
        network.disconnect(a, b)
        network.drivers[a]?.handle(.checkParity(with: b, timeoutMillis: 5_000), now: network.now)
        #expect(reports(network, on: a).last?.outcome == .unreachable)

        network.connect(a, b)
        network.settle()
        network.drivers[a]?.handle(.checkParity(with: b, timeoutMillis: 5_000), now: network.now)
        network.disconnect(a, b)
        #expect(reports(network, on: a).last?.outcome == .unreachable)

        network.connect(a, b)
        network.settle()
        network.drivers[a]?.handle(.checkParity(with: b, timeoutMillis: 5_000), now: network.now)
        network.collect()
        network.links = [:]  // the request is lost, and so is every resend
        for _ in 0..<7 {
            network.advance(1_001)
            network.links = [:]
        }
        let report = try #require(reports(network, on: a).last)
        #expect(report.outcome == .timedOut)
        #expect(report.durationMillis >= 5_000)
    }

    @Test("a reply to a check never started, or a malformed reply, is refused and changes nothing")
    func lyingOrMalformedRepliesAreRefused() throws {
        var network = try equalReplicas(5)
        let heldBefore = network.drivers[a]?.machine.held
        let forged = SyncMessage.parityReply(
            check: 7, held: BatchVector(), collections: [CollectionRoot(collection: "customers", count: 0, digest: 0)],
            repaired: 1_000_000, drilling: true)
        network.drivers[a]?.receive(forged.encoded(), from: b, now: network.now)
        #expect(network.drivers[a]?.machine.counters.rejected["unexpected_parity_reply"] == 1)

        // A reply whose flags byte is not 0 or 1 does not decode.
        var malformed = SyncMessage.parityReply(
            check: 1, held: BatchVector(), collections: [], repaired: 0, drilling: false).encoded()
        malformed[malformed.count - 1] = 2
        network.drivers[a]?.receive(malformed, from: b, now: network.now)
        // Nor does one listing a collection twice.
        var writer = [UInt8]()
        writer += SyncMessage.parityRequest(check: 1, held: BatchVector(), collections: [
            CollectionRoot(collection: "x", count: 1, digest: 1)]).encoded()
        let rootBytes = Array(writer.suffix(11))  // name "x" (2 bytes), count (1), digest (8)
        writer[writer.count - 12] = 2
        writer += rootBytes
        #expect(throws: DecodingError.self) { try SyncMessage(decoding: writer) }
        network.drivers[a]?.receive(writer, from: b, now: network.now)
        #expect(network.drivers[a]?.machine.counters.rejected["malformed_message"] == 2)
        #expect(network.drivers[a]?.machine.held == heldBefore)
        #expect(reports(network, on: a).isEmpty)
    }

    @Test("parity messages round-trip through the canonical encoding")
    func parityMessagesRoundTrip() throws {
        var held = BatchVector()
        held.insert(origin: a, sequence: 3)
        let roots = [CollectionRoot(collection: "b", count: 2, digest: 9), CollectionRoot(collection: "a", count: 1, digest: .max)]
        for message in [
            SyncMessage.parityRequest(check: 1, held: held, collections: roots),
            .parityReply(check: 300, held: held, collections: roots, repaired: 5, drilling: true),
            .parityReply(check: 2, held: BatchVector(), collections: [], repaired: 0, drilling: false),
        ] {
            let decoded = try SyncMessage(decoding: message.encoded())
            #expect(decoded.encoded() == message.encoded())
        }
    }
}
