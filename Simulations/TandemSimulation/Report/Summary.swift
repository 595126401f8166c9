/// Figures over many runs.
public struct Summary: Sendable {
    public var runs: Int
    public var passed: Int
    public var failedSeeds: [UInt64]
    /// How many runs each checker failed.
    public var failuresByChecker: [Checker: Int]
    /// Convergence after the last heal, in milliseconds, over runs that converged.
    public var convergence: Distribution
    public var bound: Distribution
    /// Per run.
    public var messages: Distribution
    public var bytes: Distribution
    public var stateBytes: Distribution
    /// Over all runs: bytes sent per acknowledged write, of which batch
    /// messages, and what full-state pushes would have cost per write.
    public var bytesPerWrite: Double
    public var batchBytesPerWrite: Double
    public var fullStateBytesPerWrite: Double
    /// Totals over all runs.
    public var totals: RunMetrics
    /// Runs in which at least two nodes wrote one field with equal timestamps.
    public var runsWithTies = 0
    /// Runs whose nodes ran on `SQLiteStore`.
    public var sqliteRuns: Int

    /// Median, 95th percentile and maximum of a sample.
    public struct Distribution: Sendable, CustomStringConvertible {
        public var median: Double
        public var p95: Double
        public var max: Double
        public var mean: Double

        init(_ values: [Double]) {
            let sorted = values.sorted()
            func quantile(_ q: Double) -> Double {
                sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
            }
            median = quantile(0.5)
            p95 = quantile(0.95)
            max = sorted.last ?? 0
            mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
        }

        public var description: String {
            "median \(Int(median.rounded())), p95 \(Int(p95.rounded())), max \(Int(max.rounded()))"
        }
    }

    public init(_ results: [RunResult]) {
        runs = results.count
        passed = results.filter(\.passed).count
        failedSeeds = results.filter { !$0.passed }.map(\.seed)
        var byChecker: [Checker: Int] = [:]
        for result in results { for checker in result.failedCheckers { byChecker[checker, default: 0] += 1 } }
        failuresByChecker = byChecker
        sqliteRuns = results.filter { $0.store == .sqlite }.count
        convergence = Distribution(results.compactMap { $0.convergedAfterHeal.map { Double($0) } })
        bound = Distribution(results.map { Double($0.bound) })
        messages = Distribution(results.map { Double($0.metrics.messages) })
        bytes = Distribution(results.map { Double($0.metrics.bytes) })
        stateBytes = Distribution(results.map { Double($0.metrics.stateBytes) })
        var totals = RunMetrics()
        for result in results {
            let m = result.metrics
            totals.messages += m.messages
            totals.bytes += m.bytes
            totals.batchMessages += m.batchMessages
            totals.batchBytes += m.batchBytes
            totals.lost += m.lost
            totals.reads += m.reads
            totals.multiMessageReads += m.multiMessageReads
            totals.duplicated += m.duplicated
            totals.droppedWithConnection += m.droppedWithConnection
            totals.writesAcknowledged += m.writesAcknowledged
            totals.writesSkippedNodeDown += m.writesSkippedNodeDown
            totals.writesFailed += m.writesFailed
            totals.writesWithoutChange += m.writesWithoutChange
            totals.ruleFirings += m.ruleFirings
            totals.groupedWrites += m.groupedWrites
            totals.groupedOperations += m.groupedOperations
            totals.partitions += m.partitions
            totals.crashes += m.crashes
            totals.commitFailuresArmed += m.commitFailuresArmed
            for (kind, hits) in m.commitFailureHits { totals.commitFailureHits[kind, default: 0] += hits }
            totals.fieldWrites += m.fieldWrites
            totals.tiedFieldWrites += m.tiedFieldWrites
            if m.tiedFieldWrites > 0 { runsWithTies += 1 }
            totals.storeFailures += m.storeFailures
            totals.attackMessages += m.attackMessages
            totals.attackRefusals += m.attackRefusals
            totals.clockSkewHolds += m.clockSkewHolds
            totals.causalDeferrals += m.causalDeferrals
            totals.batchesCompacted += m.batchesCompacted
            totals.reconciledChunks += m.reconciledChunks
            totals.batchesApplied += m.batchesApplied
            totals.redundantBatchesReceived += m.redundantBatchesReceived
            totals.networkDuplicateBatchesReceived += m.networkDuplicateBatchesReceived
            totals.honestRejections += m.honestRejections
            totals.stateBytes += m.stateBytes
            totals.fullStateBytes += m.fullStateBytes
            totals.externalEdits += m.externalEdits
            totals.externalEditsRefused += m.externalEditsRefused
            totals.adapterCaptures += m.adapterCaptures
            totals.lostEdits += m.lostEdits
            totals.captureIssues += m.captureIssues
            totals.adapterCommitsFailed += m.adapterCommitsFailed
            totals.tableWrites += m.tableWrites
            totals.tableWritesDeferred += m.tableWritesDeferred
            totals.tableWritesRefused += m.tableWritesRefused
            totals.adapterPauses += m.adapterPauses
            totals.heldDeletes += m.heldDeletes
            totals.approvedDeletes += m.approvedDeletes
            totals.rejectedDeletes += m.rejectedDeletes
            totals.adapterFaults += m.adapterFaults
            totals.echoesCaptured += m.echoesCaptured
            totals.events += m.events
            totals.virtualMillis += m.virtualMillis
        }
        self.totals = totals
        let writes = Double(max(1, totals.writesAcknowledged))
        bytesPerWrite = Double(totals.bytes) / writes
        batchBytesPerWrite = Double(totals.batchBytes) / writes
        fullStateBytesPerWrite = Double(totals.fullStateBytes) / writes
    }

    /// The summary as printed by `tandem-sim`.
    public var lines: [String] {
        let t = totals
        let writes = Double(max(1, t.writesAcknowledged))
        var lines = [
            "runs: \(runs), passed: \(passed), failed: \(runs - passed)",
            "convergence after the last heal (ms): \(convergence) (bound per run: \(bound))",
            "per run: messages \(messages); bytes sent \(bytes); converged state \(stateBytes) bytes",
            "bytes sent per acknowledged write: \(Int(bytesPerWrite.rounded())) (batch messages \(Int(batchBytesPerWrite.rounded())), summaries and reconciliation \(Int((bytesPerWrite - batchBytesPerWrite).rounded())));"
                + " full state to every other node per write: \(Int(fullStateBytesPerWrite.rounded()))",
            "writes: \(t.writesAcknowledged) acknowledged (\(t.groupedWrites) of them grouping \(t.groupedOperations) operations in one batch), \(t.writesFailed) failed (not acknowledged), \(t.writesSkippedNodeDown) skipped (node down), \(t.writesWithoutChange) changed nothing; \(t.ruleFirings) rule firings",
            "ties: \(t.tiedFieldWrites) of \(t.fieldWrites) field writes (\(String(format1: 100 * Double(t.tiedFieldWrites) / Double(max(1, t.fieldWrites))))%) share field and timestamp with another node's write, in \(runsWithTies) runs",
            "commit failures: \(t.commitFailuresArmed) armed; hits: " + CommitKind.allCases.map { "\(t.commitFailureHits[$0] ?? 0) \($0)" }.joined(separator: ", ")
                + "; \(t.commitFailuresArmed - t.commitFailureHits.values.reduce(0, +)) found no commit of their kind; store failures reported: \(t.storeFailures)",
            "faults: \(t.partitions) partitions, \(t.crashes) crashes, \(t.lost) messages lost, \(t.duplicated) duplicated, \(t.droppedWithConnection) dropped with their connection, \(t.clockSkewHolds) batches held for clock skew",
            "protocol: \(t.batchesApplied) batches applied, \(t.redundantBatchesReceived) redundant receptions (\(String(format1: Double(t.redundantBatchesReceived) / writes)) per write) and \(t.networkDuplicateBatchesReceived) more of messages the network duplicated (\(String(format1: Double(t.networkDuplicateBatchesReceived) / writes)) per write), \(t.batchesCompacted) compacted from logs, \(t.reconciledChunks) record chunks reconciled by digest, \(t.causalDeferrals) deferred until the writes their context claims arrived",
            "reads: \(t.reads) receives, \(t.multiMessageReads) with several messages",
            "stores: \(sqliteRuns) runs on SQLite, \(runs - sqliteRuns) in memory",
            "adapters: \(t.externalEdits) edits by other programs (\(t.externalEditsRefused) refused by a constraint), \(t.adapterCaptures) captured record writes, \(t.lostEdits) edits lost to later ones, \(t.captureIssues) capture issues, \(t.adapterCommitsFailed) capture commits failed; \(t.tableWrites) rows written (\(t.tableWritesDeferred) deferred, \(t.tableWritesRefused) refused); \(t.adapterFaults) adapter faults, \(t.adapterPauses) pauses for schema drift, \(t.heldDeletes) deletes held (\(t.approvedDeletes) approved, \(t.rejectedDeletes) rejected); echoes captured: \(t.echoesCaptured)",
            "attacks: \(t.attackMessages) malicious messages, \(t.attackRefusals) refusals; honest input refused: \(t.honestRejections)",
        ]
        if !failuresByChecker.isEmpty {
            lines.append("failures by checker: " + failuresByChecker.sorted { $0.key < $1.key }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        return lines
    }
}

extension String {
    /// `value` with one decimal.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
