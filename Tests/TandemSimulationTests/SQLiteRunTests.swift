import Foundation
import TandemTestSupport
import Testing
import TandemSimulation

/// Runs on `SQLiteStore`: a share of seeds, in a temporary directory that
/// is gone when the run ends, with the same checkers and determinism.
@Suite(.ownThread) struct SQLiteRunTests {
    /// Seeds no other test runs, so no other run's directory is mistaken
    /// for a leftover of these.
    static let seeds = UInt64(9_001)...9_400

    /// The temporary directories runs of `seed` left behind.
    func leftovers(of seed: UInt64) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
            .filter { $0.hasPrefix("tandem-sim-\(seed)-") }
    }

    @Test func aSmallShareOfSeedsRunsOnSQLite() {
        let config = SimulationConfig(nodeCount: 5)
        let sqlite = Self.seeds.filter { Simulation.plan(seed: $0, config: config).store == .sqlite }.count
        // 2% of 400 is 8.
        #expect((2...20).contains(sqlite), "\(sqlite) of \(Self.seeds.count) seeds on SQLite")
        var memory = config
        memory.store = .fixed(.memory)
        #expect(Self.seeds.allSatisfy { Simulation.plan(seed: $0, config: memory).store == .memory })
        #expect(StoreChoice("sqlite") == .fixed(.sqlite) && StoreChoice("mixed") == .mixed && StoreChoice("disk") == nil)
    }

    @Test func aSQLiteSeedPassesLeavesNoDirectoryAndReplaysExactly() throws {
        var config = SimulationConfig(nodeCount: 5)
        config.trace = true
        let seed = try #require(Self.seeds.first { Simulation.plan(seed: $0, config: config).store == .sqlite })
        let first = Simulation.run(seed: seed, config: config)
        #expect(first.passed, "\(first.line)\n\(first.failures.map(\.description).joined(separator: "\n"))")
        #expect(first.store == .sqlite)
        #expect(first.trace.first?.contains("on SQLite") == true)
        #expect(first.line.contains("on SQLite"))
        #expect(try leftovers(of: seed).isEmpty)
        let second = Simulation.run(seed: seed, config: config)
        #expect(second.trace == first.trace)
        #expect(second.metrics == first.metrics)
        #expect(second.line == first.line)
        #expect(try leftovers(of: seed).isEmpty)
    }

    @Test func crashesAndAimedFailuresOnSQLitePass() throws {
        // Crashes (close and reopen the database) and aimed commit failures
        // (thrown before the commit reaches SQLite) as the only faults.
        let config = SimulationConfig(nodeCount: 4, faults: [.crashes], store: .fixed(.sqlite))
        var hits = 0
        for seed in UInt64(9_501)...9_502 {
            let result = Simulation.run(seed: seed, config: config)
            #expect(result.passed, "\(result.line)\n\(result.failures.map(\.description).joined(separator: "\n"))")
            #expect(result.metrics.crashes > 0)
            hits += result.metrics.commitFailureHits.values.reduce(0, +)
            #expect(try leftovers(of: seed).isEmpty)
        }
        #expect(hits > 0)
    }
}
