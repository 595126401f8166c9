import TandemTestSupport
import Testing
import TandemSimulation

/// A seed replays its run exactly.
@Suite(.ownThread) struct DeterminismTests {
    @Test func theSameSeedGivesTheSameRun() {
        var config = SimulationConfig(nodeCount: 5)
        config.trace = true
        for seed in [UInt64(7), 8] {
            let first = Simulation.run(seed: seed, config: config)
            let second = Simulation.run(seed: seed, config: config)
            #expect(first.trace == second.trace)
            #expect(first.metrics == second.metrics)
            #expect(first.convergedAfterHeal == second.convergedAfterHeal)
            #expect(first.line == second.line)
        }
    }

    @Test func tracingDoesNotChangeTheRun() {
        var traced = SimulationConfig(nodeCount: 4)
        traced.trace = true
        let plain = Simulation.run(seed: 21, config: SimulationConfig(nodeCount: 4))
        let withTrace = Simulation.run(seed: 21, config: traced)
        #expect(plain.metrics == withTrace.metrics)
        #expect(plain.trace.isEmpty)
        #expect(!withTrace.trace.isEmpty)
    }

    @Test func differentSeedsGiveDifferentRuns() {
        let a = Simulation.run(seed: 1, config: SimulationConfig())
        let b = Simulation.run(seed: 2, config: SimulationConfig())
        #expect(a.metrics != b.metrics)
    }

    @Test func resultsDoNotDependOnTheThreadCount() async {
        let config = SimulationConfig(nodeCount: 3)
        let seeds = Array(UInt64(1)...6)
        let one = await SeedRunner.run(seeds: seeds, config: config, threads: 1)
        let two = await SeedRunner.run(seeds: seeds, config: config, threads: 2)
        #expect(one.map(\.seed) == seeds)
        #expect(one.map(\.line) == two.map(\.line))
        #expect(one.map(\.metrics) == two.map(\.metrics))
    }

    @Test func aSeedReplaysIdenticallyInSeparateProcesses() async throws {
        // Two processes hash with different random seeds: any dependence on
        // dictionary or set order would show up as different traces.
        let arguments = ["--seed", "11", "--nodes", "4", "--trace"]
        let first = try await SimExecutable.run(arguments)
        let second = try await SimExecutable.run(arguments)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout == second.stdout)
        #expect(first.stdout.contains("all checkers passed"))
    }
}
