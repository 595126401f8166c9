import TandemTestSupport
import Testing
import TandemSimulation

/// The adapter checkers (7 to 11) can fail: deliberately broken adapters
/// are caught, each by a seed that reproduces the failure exactly and
/// passes with the real adapter.
@Suite(.ownThread) struct AdapterBrokenVariantTests {
    func expectCaught(
        _ variant: BrokenVariant, config: SimulationConfig, by checker: Checker, seeds: ClosedRange<UInt64> = 1...10
    ) throws {
        var caught: RunResult?
        for seed in seeds {
            let result = Simulation.run(seed: seed, config: config, hooks: variant.hooks)
            if result.failedCheckers.contains(checker) {
                caught = result
                break
            }
        }
        let failure = try #require(caught, "\(variant) passed checker \(checker) on every seed: it was missed")
        let again = Simulation.run(seed: failure.seed, config: config, hooks: variant.hooks)
        #expect(again.failures == failure.failures)
        let correct = Simulation.run(seed: failure.seed, config: config)
        #expect(correct.passed, "\(correct.line)\n\(correct.failures.map(\.description).joined(separator: "\n"))")
    }

    @Test func anAdapterThatRecapturesItsOwnWritesIsCaught() throws {
        try expectCaught(.echoingTable, config: SimulationConfig(nodeCount: 3), by: .echo)
    }

    @Test func aMatchThatIgnoresCaseFoldingIsCaught() throws {
        try expectCaught(.caseSensitiveMatch, config: SimulationConfig(nodeCount: 3), by: .duplicates)
    }

    @Test func aCaptureAcknowledgedBeforeItsCommitIsCaught() throws {
        // Commit failures aimed at adapter commits are in the adapters class.
        try expectCaught(.eagerCapture, config: SimulationConfig(nodeCount: 3, faults: [.adapters]), by: .tables, seeds: 1...40)
    }

    @Test func anAdapterThatDoesNotSweepAtStartIsCaught() throws {
        try expectCaught(.noSweepAtStart, config: SimulationConfig(nodeCount: 5), by: .tables, seeds: 1...40)
    }
}
