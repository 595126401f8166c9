import ArgumentParser
import Foundation
import TandemSimulation

/// `tandem-sim`: the deterministic network partition simulator.
@main
struct TandemSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-sim",
        abstract: "Runs Tandem nodes on a simulated network with partitions, crashes and bad clocks, and checks they converge and lose nothing.",
        discussion: """
            Every run is deterministic: virtual time, a seeded random source, and the real sync \
            state machine, store and CRDT code of every node. A failing run is reproduced exactly \
            by its seed. Exits with status 1 if any run fails a checker, after printing the \
            failing seeds and a shrunk trace of the first one. See docs/simulation.md.
            """)

    @Option(help: "How many seeds to run (from --first-seed on).")
    var seeds: Int = 100

    @Option(name: .customLong("first-seed"), help: "The first seed.")
    var firstSeed: UInt64 = 1

    @Option(help: "Run this one seed and print its trace (replaces --seeds).")
    var seed: UInt64?

    @Option(help: "Nodes per run, 2 to 100.")
    var nodes: Int = 5

    @Option(help: "pair, line, ring, mesh, random, or mixed (one of line, ring, mesh, random per seed).")
    var topology: String = "mixed"

    @Option(help: "Fault classes: all, none, or a comma-separated list of \(FaultKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var faults: String = "all"

    @Option(help: "Local writes per run, as MIN-MAX (or one number).")
    var writes: String = "20-60"

    @Option(help: "Records per collection the workload writes to (few records: many collisions).")
    var records: Int = 5

    @Option(name: .customLong("summary-interval"), help: "The sync machine's anti-entropy period, in ms (a real node's default is 1000).")
    var summaryInterval: UInt64 = 200

    @Option(name: .customLong("resend-after"), help: "The sync machine's resend period, in ms (a real node's default is 5000).")
    var resendAfter: UInt64 = 1_000

    @Option(help: "memory, sqlite, or mixed (SQLite in a temporary directory for 1 seed in 50, drawn from the seed).")
    var store: String = "mixed"

    @Option(help: "Concurrent runs (each run is single-threaded and independent).")
    var threads: Int = 2

    @Option(help: "With --seed: keep only these plan item ids (as printed with a shrunk failure).")
    var keep: String?

    @Flag(help: "Print one line per run.")
    var verbose = false

    @Flag(help: "With --seed: print the full trace, not only the verdict.")
    var trace = false

    @Flag(name: .customLong("no-shrink"), help: "Print the first failure's trace as it is, without shrinking its plan.")
    var noShrink = false

    @Option(help: "Also write one line per run to this file.")
    var report: String?

    mutating func run() async throws {
        let config = try makeConfig()
        if let seed {
            try runOne(seed, config: config)
            return
        }
        guard seeds > 0 else { throw ValidationError("--seeds must be positive") }
        let list = (0..<UInt64(seeds)).map { firstSeed &+ $0 }
        print("tandem-sim: \(seeds) seeds (\(firstSeed)...\(firstSeed &+ UInt64(seeds) - 1)), \(config.summaryLine), \(threads) threads")
        let started = ContinuousClock.now
        let verbose = self.verbose
        let total = seeds
        let results = await SeedRunner.run(seeds: list, config: config, threads: threads) { done, result in
            if verbose || !result.passed { print(result.line) }
            if !verbose && total >= 1_000 && done % 1_000 == 0 { print("... \(done) runs") }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if let report {
            try results.map(\.line).joined(separator: "\n").appending("\n").write(toFile: report, atomically: true, encoding: .utf8)
        }
        let summary = Summary(results)
        print("")
        for line in summary.lines { print(line) }
        print(String(format: "time: %.1f s, %.1f runs/s on %d threads", seconds, Double(results.count) / max(seconds, 0.001), threads))
        guard let first = results.first(where: { !$0.passed }) else { return }
        print("")
        print("FAILED seeds (\(summary.failedSeeds.count)): " + summary.failedSeeds.prefix(50).map(String.init).joined(separator: " ")
            + (summary.failedSeeds.count > 50 ? " ..." : ""))
        explain(first, config: config)
        throw ExitCode(1)
    }

    private func makeConfig() throws -> SimulationConfig {
        guard let faultSet = FaultKind.parseSet(faults) else {
            throw ValidationError("unknown fault class in '\(faults)'; use all, none or \(FaultKind.allCases.map(\.rawValue).joined(separator: ","))")
        }
        guard let topologyChoice = TopologyChoice(topology) else {
            throw ValidationError("unknown topology '\(topology)'; use pair, line, ring, mesh, random or mixed")
        }
        guard let storeChoice = StoreChoice(store) else {
            throw ValidationError("unknown store '\(store)'; use memory, sqlite or mixed")
        }
        let bounds = writes.split(separator: "-").compactMap { Int($0) }
        guard let low = bounds.first, let high = bounds.last, bounds.count <= 2, low <= high else {
            throw ValidationError("--writes takes MIN-MAX, such as 20-60")
        }
        var config = SimulationConfig(
            nodeCount: nodes, topology: topologyChoice, faults: faultSet, writes: low...high, recordsPerCollection: records,
            summaryIntervalMillis: summaryInterval, resendAfterMillis: resendAfter, store: storeChoice)
        if nodes == 2, case .mixed = topologyChoice { config.topology = .fixed(.pair) }
        if let problem = config.problem { throw ValidationError(problem) }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        return config
    }

    private func runOne(_ seed: UInt64, config: SimulationConfig) throws {
        var traced = config
        traced.trace = true
        var kept: Set<Int>?
        if let keep {
            let ids = keep.split(separator: ",").compactMap { Int($0) }
            kept = Set(ids)
        }
        let result = Simulation.run(seed: seed, config: traced, keep: kept)
        if trace || !result.passed {
            for line in result.trace { print(line) }
            print("")
        }
        print(result.line)
        for failure in result.failures { print("  \(failure)") }
        if !result.passed {
            if kept == nil && !noShrink {
                print("")
                explain(result, config: config)
            }
            throw ExitCode(1)
        }
    }

    /// Prints a failure: its checkers, then the shrunk plan's trace and the
    /// command that reproduces it.
    private func explain(_ failure: RunResult, config: SimulationConfig) {
        print("seed \(failure.seed) fails:")
        for item in failure.failures.prefix(10) { print("  \(item)") }
        let base = "tandem-sim --seed \(failure.seed) --nodes \(config.nodeCount) --topology \(failure.topology) "
            + "--writes \(config.writes.lowerBound)-\(config.writes.upperBound) --records \(config.recordsPerCollection) "
            + "--summary-interval \(config.summaryIntervalMillis) --resend-after \(config.resendAfterMillis) --store \(failure.store.rawValue)"
        print("reproduce: \(base) --faults \(FaultKind.describe(config.faults)) --trace")
        if noShrink {
            var traced = config
            traced.trace = true
            let again = Simulation.run(seed: failure.seed, config: traced)
            print("")
            print("trace of seed \(failure.seed):")
            for line in again.trace { print(line) }
            return
        }
        let shrunk = Shrinker.shrink(failure, config: config)
        let keepList = shrunk.keep.sorted().map(String.init).joined(separator: ",")
        print("")
        print("shrunk in \(shrunk.runs) runs to \(shrunk.keep.count) plan items and faults \(FaultKind.describe(shrunk.faults)); still fails:")
        for item in shrunk.result.failures.prefix(10) { print("  \(item)") }
        print("reproduce the shrunk run: \(base) --faults \(FaultKind.describe(shrunk.faults)) --keep '\(keepList)' --trace")
        print("")
        print("minimal trace of seed \(failure.seed):")
        for line in shrunk.result.trace { print(line) }
    }
}
