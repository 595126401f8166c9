import TandemCore
import TandemStore
import TandemSync
import Testing
import TandemTestSupport

/// Digest reconciliation: a peer that needs batches compacted out of every
/// log, and a brand-new node, catch up by exchanging only differing records.
@Suite(.ownThread) struct ReconciliationTests {
    let a = TestNetwork.node(1)
    let b = TestNetwork.node(2)
    let c = TestNetwork.node(3)

    /// Runs anti-entropy rounds until nothing is in flight after a round.
    func rounds(_ network: inout TestNetwork, _ count: Int) {
        for _ in 0..<count {
            network.advance(1_001)
            network.settle()
        }
    }

    @Test(arguments: Backend.allCases)
    func aPeerReturningAfterCompactionCatchesUpByDigest(backend: Backend) throws {
        let directory = backend == .sqlite ? try TemporaryDirectory("sync-tests") : nil
        defer { directory?.remove() }
        var network = try TestNetwork(nodes: [a, b], sqliteDirectory: directory?.path)
        network.connect(a, b)
        for index in 0..<60 {
            try network.write(a, record: "r\(index)", field: "name", value: .string("v\(index)"))
        }
        network.settle()
        network.disconnect(a, b)
        // While B is away, A changes some records and deletes others...
        for index in 0..<10 { try network.write(a, record: "r\(index)", field: "name", value: .string("changed \(index)")) }
        for index in 50..<55 { try network.delete(a, record: "r\(index)") }
        // ...and B makes a concurrent change of its own.
        try network.write(b, record: "r20", field: "email", value: .string("b@example.com"))
        // A compacts its whole log (as if B had been forgotten).
        let removed = try network.compactEverything(a)
        #expect(removed > 0)

        network.connect(a, b)
        network.settle()
        rounds(&network, 3)

        let stateA = try network.state(a)
        let stateB = try network.state(b)
        #expect(stateA == stateB, "A and B differ")
        #expect(stateA.count == 55)
        #expect(stateA.value(of: "name", in: "r3") == .string("changed 3"))
        #expect(stateA.value(of: "email", in: "r20") == .string("b@example.com"))
        #expect(!stateB.contains("r52"), "a record A deleted survived on B")
        // B adopted A's batch vector, so A no longer needs to reconcile.
        let heldA = try network.stores[a]?.summary().batches
        let heldB = try network.stores[b]?.summary().batches
        #expect(heldA == heldB)
        let started = network.drivers[a]?.machine.counters.reconciliationsStarted ?? 0
        rounds(&network, 2)
        #expect(network.drivers[a]?.machine.counters.reconciliationsStarted == started)
    }

    @Test(arguments: Backend.allCases)
    func aBrandNewNodeGetsEveryRecordInSignedChunks(backend: Backend) throws {
        let directory = backend == .sqlite ? try TemporaryDirectory("sync-tests") : nil
        defer { directory?.remove() }
        var network = try TestNetwork(nodes: [a, c], sqliteDirectory: directory?.path)
        for index in 0..<700 {
            try network.write(a, record: "customer-\(index)", field: "name", value: .string("n\(index)"))
        }
        try network.delete(a, record: "customer-3")
        try network.compactEverything(a)
        network.connect(a, c)
        network.settle()
        rounds(&network, 3)
        let stateA = try network.state(a)
        let stateC = try network.state(c)
        #expect(stateA == stateC, "A and C differ: \(stateA.count) vs \(stateC.count) records, contexts \(stateA.context) vs \(stateC.context), first differing \(stateA.recordIDs.first { stateA.records[$0] != stateC.records[$0] } ?? "-")")
        #expect(stateA.count == 699)
        let chunks = network.drivers[c]?.machine.counters.recordsChunksReceived ?? 0
        #expect(chunks >= 3, "700 records should arrive in several chunks, got \(chunks)")
    }

    @Test func equalReplicasExchangeOnlyRootDigests() throws {
        var network = try TestNetwork(nodes: [a, b])
        for index in 0..<200 { try network.write(a, record: "r\(index)", field: "f", value: .int(Int64(index))) }
        try network.compactEverything(a)
        // B holds A's records and context but none of A's batches (say, it
        // was restored from a snapshot of A's state): B lacks batches A can
        // no longer send, so the two reconcile by digest.
        let stateA = try network.state(a)
        _ = try network.stores[b]?.commitReconciliation(stateA, collection: "customers", from: a, clock: .zero, now: network.now)
        #expect(try network.stores[b]?.summary().batches == BatchVector())
        network.connect(a, b)
        network.settle()
        rounds(&network, 2)
        // Equal root digests: B adopted A's batch vector, and no bucket
        // digests or records were needed.
        #expect(network.drivers[a]?.machine.counters.reconciliationsStarted == 1)
        #expect((network.drivers[b]?.machine.counters.reconciliationsCompleted ?? 0) >= 1)
        #expect(network.drivers[a]?.machine.counters.recordsChunksReceived == 0)
        #expect(network.drivers[b]?.machine.counters.recordsChunksReceived == 0)
        #expect(try network.stores[b]?.summary().batches == network.stores[a]?.summary().batches)
        #expect(try network.state(a) == (try network.state(b)), "A and B differ")
    }

    @Test func aForgedRecordsChunkIsRefusedAndChangesNothing() throws {
        var network = try TestNetwork(nodes: [a, b])
        network.connect(a, b)
        network.settle()
        var forged = RecordCollection()
        try forged.set("name", to: .string("forged"), in: "r1", by: a, at: HLCTimestamp(rawValue: 1 << 20))
        let leaf = DigestReconciliation.leaf(of: "r1")
        let chunk = RecordsChunk(collection: "customers", leaves: leaf...leaf, payload: forged.encoded(), isReply: true, signature: [1, 2, 3])
        network.drivers[b]?.receive(SyncMessage.records(chunk).encoded(), from: a, now: network.now)
        #expect(try network.state(b).count == 0)
        #expect(network.drivers[b]?.machine.counters.rejected["bad_records_signature"] == 1)
    }
}
