/// A soak (`tandem-harness --seeds N`): runs consecutive seeds one after
/// another, each a whole run with its own cluster, and sums them up.
public enum Soak {
    /// One seed's outcome.
    public struct Outcome: Sendable {
        public var seed: UInt64
        /// nil: passed; otherwise the failing checks' names, or why the run
        /// could not be carried out.
        public var failure: String?
        public var convergenceMillis: Int?
        public var editsMade: Int
        public var seconds: Double

        /// One line: verdict, seed, convergence, edits, time.
        public var line: String {
            let verdict = failure == nil ? "PASS" : "FAIL"
            let converged = convergenceMillis.map { "converged \($0) ms after the last heal" } ?? "did not converge"
            return "\(verdict) seed \(seed): \(converged), \(editsMade) edits, \(Int(seconds)) s\(failure.map { " [\($0)]" } ?? "")"
        }
    }

    /// Runs `count` seeds from `options.seed` on; `output` gets every
    /// run's progress and report, and one outcome line per seed. With
    /// `options.directory`, each seed's files go to `seed-S` under it.
    public static func run(_ options: HarnessOptions, count: Int, output: @escaping @Sendable (String) -> Void) async -> [Outcome] {
        var outcomes: [Outcome] = []
        for index in 0..<count {
            var one = options
            one.seed = options.seed &+ UInt64(index)
            // One directory per seed under a given one.
            if let directory = options.directory { one.directory = directory + "/seed-\(one.seed)" }
            let clock = ContinuousClock()
            let start = clock.now
            var outcome = Outcome(seed: one.seed, failure: nil, convergenceMillis: nil, editsMade: 0, seconds: 0)
            do {
                let report = try await Harness.run(one, output: output)
                output(report.text)
                outcome.failure = report.passed ? nil : report.failures.map(\.name).joined(separator: "; ")
                outcome.convergenceMillis = report.figures.convergenceMillis
                outcome.editsMade = report.figures.editsMade
            } catch {
                outcome.failure = "could not run: \(error)"
            }
            let elapsed = clock.now - start
            outcome.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            output("soak: \(outcome.line)")
            outcomes.append(outcome)
        }
        return outcomes
    }

    /// The summary printed after a soak: every seed's line, then the totals
    /// and the convergence times' median and longest.
    public static func summary(_ outcomes: [Outcome]) -> String {
        let failed = outcomes.filter { $0.failure != nil }
        let times = outcomes.compactMap(\.convergenceMillis).sorted()
        var lines = ["", "soak summary:"] + outcomes.map { "  " + $0.line }
        lines.append("runs: \(outcomes.count), passed: \(outcomes.count - failed.count), failed: \(failed.count)")
        if !times.isEmpty {
            let p95 = times[min(times.count - 1, Int((Double(times.count) * 0.95).rounded(.up)) - 1)]
            lines.append("convergence after the last heal (ms): median \(times[times.count / 2]), p95 \(p95), max \(times[times.count - 1])")
        }
        if !failed.isEmpty { lines.append("FAILED seeds: " + failed.map { String($0.seed) }.joined(separator: " ")) }
        return lines.joined(separator: "\n")
    }
}
