import TandemTestSupport
import Testing
import TandemSimulation

/// Checker 12 (rules) can fail: a rule runner whose created record is not
/// derived from the rule and the source alone is caught, by a seed that
/// reproduces the failure exactly and passes with the real runner.
@Suite(.ownThread) struct RuleBrokenVariantTests {
    @Test func aCreatedRecordNamedAfterTheFiringNodeIsCaught() throws {
        let config = SimulationConfig(nodeCount: 3)
        var caught: RunResult?
        for seed: UInt64 in 1...20 {
            let result = Simulation.run(seed: seed, config: config, hooks: BrokenVariant.nodeNamedRuleRecord.hooks)
            if result.failedCheckers.contains(.rules) {
                caught = result
                break
            }
        }
        let failure = try #require(caught, "nodeNamedRuleRecord passed checker 12 on every seed: it was missed")
        let messages = failure.failures.filter { $0.checker == .rules }.map(\.message)
        #expect(messages.contains { $0.contains("2 projects records for p") }, "\(messages)")
        let again = Simulation.run(seed: failure.seed, config: config, hooks: BrokenVariant.nodeNamedRuleRecord.hooks)
        #expect(again.failures == failure.failures)
        let correct = Simulation.run(seed: failure.seed, config: config)
        #expect(correct.passed, "\(correct.line)\n\(correct.failures.map(\.description).joined(separator: "\n"))")
        #expect(correct.metrics.ruleFirings > 0)
    }
}
