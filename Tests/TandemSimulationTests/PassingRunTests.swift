import TandemTestSupport
import Testing
import TandemSimulation

/// Correct code passes every checker: a few seeds of each topology and of
/// each fault class on its own.
@Suite(.ownThread) struct PassingRunTests {
    static let topologies: [(TopologyKind, Int)] = [(.pair, 2), (.line, 5), (.ring, 5), (.mesh, 5), (.random, 6)]

    @Test(arguments: topologies.map(\.0))
    func everyTopologyPassesWithAllFaults(_ kind: TopologyKind) {
        let nodes = Self.topologies.first { $0.0 == kind }?.1 ?? 5
        let config = SimulationConfig(nodeCount: nodes, topology: .fixed(kind))
        for seed in UInt64(1)...3 {
            let result = Simulation.run(seed: seed, config: config)
            #expect(result.passed, "\(result.line)\n\(result.failures.map(\.description).joined(separator: "\n"))")
            #expect(result.topology == kind)
            #expect(result.convergedAfterHeal != nil)
        }
    }

    @Test(arguments: FaultKind.standard.sorted())
    func eachFaultClassAlonePasses(_ fault: FaultKind) {
        let config = SimulationConfig(nodeCount: 4, faults: [fault])
        for seed in UInt64(10)...11 {
            let result = Simulation.run(seed: seed, config: config)
            #expect(result.passed, "\(result.line)\n\(result.failures.map(\.description).joined(separator: "\n"))")
        }
    }

    @Test func faultsAreReallyInjected() {
        let results = (UInt64(1)...4).map { Simulation.run(seed: $0, config: SimulationConfig(nodeCount: 5)) }
        let summary = Summary(results)
        let totals = summary.totals
        #expect(summary.passed == results.count)
        #expect(totals.partitions > 0)
        #expect(totals.crashes > 0)
        #expect(totals.lost > 0)
        #expect(totals.duplicated > 0)
        #expect(totals.clockSkewHolds > 0)
        #expect(totals.attackMessages > 0)
        #expect(totals.attackRefusals > 0)
        #expect(totals.writesAcknowledged > 0)
        #expect(totals.honestRejections == 0)
        // Aimed failures hit commits, and some reads carry several messages.
        #expect(totals.commitFailureHits.values.reduce(0, +) > 0)
        #expect(totals.multiMessageReads > 0)
        // The adapter edge: edits, captures, writes and every adapter fault.
        #expect(totals.externalEdits > 0)
        #expect(totals.adapterCaptures > 0)
        #expect(totals.tableWrites > 0)
        #expect(totals.adapterFaults > 0)
        #expect(totals.adapterPauses > 0)
        #expect(totals.echoesCaptured == 0)
    }

    @Test func noFaultsConvergesQuickly() {
        let result = Simulation.run(seed: 5, config: SimulationConfig(nodeCount: 5, faults: []))
        #expect(result.passed)
        #expect(result.metrics.lost == 0)
        #expect(result.metrics.crashes == 0)
        #expect((result.convergedAfterHeal ?? .max) < 1_000)
    }

    @Test func twentyNodesPass() {
        let result = Simulation.run(seed: 3, config: SimulationConfig(nodeCount: 20, topology: .fixed(.random), writes: 20...30))
        #expect(result.passed, "\(result.line)\n\(result.failures.map(\.description).joined(separator: "\n"))")
    }
}
