import Foundation
import TandemHarness
import Testing

/// Short harness runs on real `tandem run` processes, part of `make test`:
/// one fixed seed and one random seed (printed, to repeat a failure with
/// `tandem-harness`). Deadlines are generous: the suite runs in parallel on
/// a busy machine. Neither sidesteps anything: the two adapter issues the
/// harness found (docs/simulation.md, "Failures found") are fixed.
@Suite("tandem-harness runs", .serialized)
struct HarnessRunTests {
    static func run(_ options: HarnessOptions) async throws {
        let report = try await Harness.run(options) { line in
            if line.hasPrefix("tandem-harness:") || line.hasPrefix("fault phase") { print(line) }
        }
        print(report.text)
        #expect(report.passed, "\(report.failures.map { "\($0.name): \($0.findings.prefix(10))" })")
    }

    @Test("a fixed seed: three nodes in a line converge through faults, edits and SIGKILLs")
    func fixedSeed() async throws {
        var options = HarnessOptions(nodes: 3, durationSeconds: 15, seed: 20_261_205, topology: .line)
        options.convergeTimeoutSeconds = 240
        try await Self.run(options)
    }

    @Test("a random seed (printed): three nodes in a ring")
    func randomSeed() async throws {
        let seed = UInt64.random(in: 1...1_000_000_000)
        print("tandem-harness random seed \(seed): tandem-harness --nodes 3 --duration 15 --seed \(seed) --topology ring")
        var options = HarnessOptions(nodes: 3, durationSeconds: 15, seed: seed, topology: .ring)
        options.convergeTimeoutSeconds = 240
        try await Self.run(options)
    }
}
