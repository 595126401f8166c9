/// The outcome of one run: the checkers' verdict and its figures.
public struct RunResult: Sendable {
    public var seed: UInt64
    public var topology: TopologyKind
    public var nodeCount: Int
    public var faults: Set<FaultKind>
    /// The store the nodes ran on.
    public var store: StoreKind
    /// The plan items kept, when the run used a shrunk plan.
    public var keep: Set<Int>?
    public var failures: [CheckFailure]
    /// Virtual milliseconds from the start to the last heal.
    public var healAt: UInt64
    /// Milliseconds from the last heal until every node held every
    /// acknowledged write with nothing left in its drift hold; nil if that
    /// never happened.
    public var convergedAfterHeal: UInt64?
    /// The bound checker 5 holds the run to.
    public var bound: UInt64
    public var metrics: RunMetrics
    /// The run's events, when tracing was on.
    public var trace: [String]

    public var passed: Bool { failures.isEmpty }

    /// The checkers that failed, in order.
    public var failedCheckers: [Checker] { Set(failures.map(\.checker)).sorted() }

    /// Bytes sent per acknowledged write.
    public var bytesPerWrite: Double {
        metrics.writesAcknowledged == 0 ? 0 : Double(metrics.bytes) / Double(metrics.writesAcknowledged)
    }

    /// One line for the per-run report.
    public var line: String {
        let verdict = passed ? "ok  " : "FAIL"
        let converged = convergedAfterHeal.map { "converged \($0) ms after heal" } ?? "did not converge"
        let failed = passed ? "" : " [" + failedCheckers.map { "\($0.rawValue)" }.joined(separator: ",") + "]"
        return "\(verdict) seed \(seed) \(topology) \(nodeCount) nodes\(store == .sqlite ? " on SQLite" : ""): \(converged) (bound \(bound)); "
            + "\(metrics.writesAcknowledged) writes, \(metrics.messages) messages, \(metrics.bytes) bytes sent, "
            + "state \(metrics.stateBytes) bytes\(failed)"
    }
}
