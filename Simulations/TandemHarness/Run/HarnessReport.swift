/// The outcome of a run: the checks' verdicts, the figures, and what is
/// needed to repeat it.
public struct HarnessReport: Sendable {
    public var options: HarnessOptions
    public var schedule: HarnessSchedule
    public var checks: [CheckResult]
    public var figures: RunFigures
    /// Where the nodes' files are (kept after a failure).
    public var directory: String
    /// Where the tables differed at the checks (empty: nowhere).
    public var tableDifferences: [String] = []

    /// Whether every check passed.
    public var passed: Bool { checks.allSatisfy(\.passed) }

    /// The checks that failed.
    public var failures: [CheckResult] { checks.filter { !$0.passed } }

    /// What the command prints at the end: every check's verdict, the
    /// figures, and on failure the seed, the command that repeats the
    /// schedule, the schedule and every finding.
    public var text: String {
        var lines = ["", "checks:"]
        for check in checks {
            lines.append("  \(check.passed ? "pass" : "FAIL")  \(check.name)")
        }
        lines.append(figures.summary)
        if passed {
            lines.append("PASS seed \(options.seed) (\(options.commandLine))")
            return lines.joined(separator: "\n")
        }
        lines.append("")
        lines.append("FAIL seed \(options.seed); repeat the schedule with: \(options.commandLine)")
        lines.append("files kept in \(directory)")
        lines.append("")
        if tableDifferences.isEmpty {
            lines.append("tables: every pair holds the same rows and values")
        } else {
            lines.append("tables differ in \(tableDifferences.count) records:")
            lines += tableDifferences.prefix(200).map { "  " + $0 }
        }
        for check in failures {
            lines.append("")
            lines.append("\(check.name): \(check.findings.count) findings")
            lines += check.findings.prefix(200).map { "  " + $0 }
            if check.findings.count > 200 { lines.append("  … \(check.findings.count - 200) more") }
        }
        lines.append("")
        lines.append(schedule.description)
        return lines.joined(separator: "\n")
    }
}
