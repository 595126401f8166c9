import Foundation
import Synchronization
import TandemHarness
import TandemTestSupport
import Testing

/// Short harness runs on real `tandem run` processes, part of `make test`:
/// one fixed seed and one random seed (printed, to repeat a failure with
/// `tandem-harness`). Deadlines are generous: the suite runs in parallel on
/// a busy machine. Neither sidesteps anything: the two adapter issues the
/// harness found (docs/simulation.md, "Failures found") are fixed.
@Suite("tandem-harness runs", .serialized, .ownThread)
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

    @Test("network namespaces: two nodes in namespaces of their own (or on loopback, saying why, where namespaces cannot be made)")
    func networkNamespaces() async throws {
        var options = HarnessOptions(nodes: 2, durationSeconds: 6, seed: 34, topology: .pair)
        options.networkNamespaces = true
        options.convergeTimeoutSeconds = 240
        let lines = LineLog()
        let report = try await Harness.run(options) { line in
            lines.append(line)
            if line.hasPrefix("tandem-harness:") || line.hasPrefix("network namespaces") { print(line) }
        }
        print(report.text)
        #expect(report.passed, "\(report.failures.map { "\($0.name): \($0.findings.prefix(10))" })")
        #expect(lines.all.contains { $0.hasPrefix("network namespaces: n1 ") || $0.hasPrefix("network namespaces unavailable (") })
    }

    /// A broken variant's run must fail, and the check the variant is for
    /// must be among the failures.
    static func runBroken(_ variant: BrokenVariant, seed: UInt64) async throws {
        var options = HarnessOptions(nodes: 2, durationSeconds: 6, seed: seed, topology: .pair)
        options.breakage = variant
        // The lost edit keeps n1's table different: the wait runs out.
        options.convergeTimeoutSeconds = variant == .loseEdit ? 25 : 240
        let report = try await Harness.run(options) { line in
            if line.hasPrefix("tandem-harness:") || line.hasPrefix("broken variant") { print(line) }
        }
        print(report.text)
        #expect(!report.passed)
        #expect(report.failures.map(\.name).contains(variant.caughtBy), "\(report.failures.map(\.name))")
        #expect(report.text.contains("FAIL seed \(seed)"))
        #expect(report.text.contains("schedule of seed \(seed)"))
    }

    @Test("a node that drops an edit is caught by the reference model check")
    func brokenLoseEdit() async throws {
        try await Self.runBroken(.loseEdit, seed: 31)
    }

    @Test("a node that makes a second row of a record is caught by the duplicates check")
    func brokenDuplicateRow() async throws {
        try await Self.runBroken(.duplicateRow, seed: 32)
    }

    @Test("an adapter that writes its rows again is caught by the echo check")
    func brokenEcho() async throws {
        try await Self.runBroken(.echo, seed: 33)
    }
}

/// Lines collected from a run's output.
final class LineLog: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
