import TandemCore
import TandemStore
import TandemSync
import TandemTestSupport
import Testing

/// An origin that signs two different batches under one sequence, one sent
/// to each of two nodes: the review left them permanently different. Now a
/// node that receives the second copy refuses it as equivocation and audits
/// both as evidence, and nodes holding the same batches compare their state
/// periodically, so the split is detected even when neither copy travels.
@Suite(.ownThread) struct EquivocationTests {
    let a = TestNetwork.node(1)
    let b = TestNetwork.node(2)
    let origin = TestNetwork.node(3)

    func twoVersions() throws -> (DeltaBatch, DeltaBatch) {
        func version(_ value: String) throws -> DeltaBatch {
            var state = RecordCollection()
            let delta = try state.set("name", to: .string(value), in: "r1", by: origin, at: HLCTimestamp(rawValue: 1_000_000 << 16))
            var batch = DeltaBatch(origin: origin, sequence: 1, collection: "customers", payload: delta.encoded())
            batch.signature = TestSignature.sign(batch.signingBytes, by: origin)
            return batch
        }
        return (try version("for A"), try version("for B"))
    }

    func network() throws -> TestNetwork {
        var network = try TestNetwork(nodes: [a, b, origin]) { trusted in
            var configuration = SyncConfiguration(trustedOrigins: trusted)
            configuration.stateCheckIntervalMillis = 5_000
            return configuration
        }
        network.connect(a, origin)
        network.connect(b, origin)
        network.settle()
        return network
    }

    @Test func theSecondCopyIsRefusedAsEquivocationWithEvidence() throws {
        var network = try network()
        let (first, second) = try twoVersions()
        network.drivers[a]?.receive(SyncMessage.batches([first]).encoded(), from: origin, now: network.now)
        network.drivers[a]?.receive(SyncMessage.batches([second]).encoded(), from: origin, now: network.now)
        #expect(network.drivers[a]?.machine.counters.rejected == ["equivocation": 1])
        #expect(try network.state(a).value(of: "name", in: "r1") == .string("for A"))
        #expect(network.drivers[a]?.shell.events.contains {
            if case .equivocation(origin, 1, from: origin) = $0 { true } else { false }
        } == true)
        let audit = try network.stores[a]?.auditEvents(after: 0, limit: 100) ?? []
        let evidence = try #require(audit.first { $0.event.detail.contains("signed two different batches") })
        #expect(evidence.event.detail.contains("held 544e444d"))
        // An identical copy is a plain duplicate.
        network.drivers[a]?.receive(SyncMessage.batches([first]).encoded(), from: origin, now: network.now)
        #expect(network.drivers[a]?.machine.counters.rejected == ["equivocation": 1])
    }

    @Test func nodesHoldingTheSameBatchesButDifferentStateDetectIt() throws {
        var network = try network()
        let (first, second) = try twoVersions()
        network.drivers[a]?.receive(SyncMessage.batches([first]).encoded(), from: origin, now: network.now)
        network.drivers[b]?.receive(SyncMessage.batches([second]).encoded(), from: origin, now: network.now)
        network.collect()
        network.disconnect(a, origin)
        network.disconnect(b, origin)
        network.links = [:]
        network.connect(a, b)
        for _ in 0..<8 {
            network.advance(1_001)
            network.settle()
        }
        // Neither copy travelled (each side's summary says it holds (origin, 1)) ...
        #expect(try network.state(a).value(of: "name", in: "r1") == .string("for A"))
        #expect(try network.state(b).value(of: "name", in: "r1") == .string("for B"))
        // ... but the periodic state check found the split on both sides.
        for (node, peer) in [(a, b), (b, a)] {
            #expect(network.drivers[node]?.shell.events.contains {
                if case .divergence(peer, ["customers"]) = $0 { true } else { false }
            } == true)
            let audit = try network.stores[node]?.auditEvents(after: 0, limit: 100) ?? []
            #expect(audit.contains { $0.event.detail.contains("holds the same batches as this node but different records") })
        }
    }
}
