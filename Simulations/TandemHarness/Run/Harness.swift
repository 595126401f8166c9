import Foundation
import TandemDaemon
import TandemTestSupport

/// One convergence run on real processes (docs/simulation.md, "The
/// harness"): builds the cluster, carries out the seeded schedule, heals
/// everything, waits for the nodes to converge and go quiet, and checks.
///
/// ```swift
/// var options = HarnessOptions(nodes: 3, durationSeconds: 20, seed: 7, topology: .line)
/// let report = try await Harness.run(options) { print($0) }
/// if !report.passed { print(report.text) }
/// ```
public enum Harness {
    /// Runs once; `output` gets progress lines as they happen. Throws only
    /// when the run could not be carried out (a node would not start);
    /// the checks' verdicts are in the report.
    public static func run(_ options: HarnessOptions, output: @escaping @Sendable (String) -> Void) async throws -> HarnessReport {
        try options.validate()
        let executable = try options.locateTandem()
        let topology = options.topology
        let links = topology.links(nodes: options.nodes)
        let schedule = ScheduleGenerator(
            nodes: options.nodes, links: links, durationMillis: Int(options.durationSeconds * 1000),
            restartsPostgres: options.postgres, sidestepsKnownIssues: options.sidestepKnownIssues
        ).schedule(seed: options.seed)
        output("tandem-harness: seed \(options.seed), \(options.nodes) nodes, \(topology.rawValue), \(HarnessOptions.number(options.durationSeconds)) s (\(options.commandLine))")
        output(schedule.description)

        let root = try options.directory ?? TemporaryDirectory("harness").path
        // A node's port can be taken by another process between the pick
        // and the node's start (`LoopbackPort`): the run is set up again,
        // with new ports, before its fault phase starts.
        for attempt in 1...3 {
            let directory = attempt == 1 ? root : (root as NSString).appendingPathComponent("attempt-\(attempt)")
            do {
                return try await attemptRun(options, schedule: schedule, executable: executable, directory: directory, root: root, output: output)
            } catch let clash as PortTaken where attempt < 3 {
                output("\(clash.description); setting the run up again with other ports")
            }
        }
        throw HarnessError("unreachable: the last attempt returns or throws")
    }

    /// A node could not start because its port was taken meanwhile.
    struct PortTaken: Error, CustomStringConvertible {
        var description: String
    }

    private static func attemptRun(
        _ options: HarnessOptions, schedule: HarnessSchedule, executable: URL, directory: String, root: String,
        output: @escaping @Sendable (String) -> Void
    ) async throws -> HarnessReport {
        let topology = options.topology
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        output("files in \(directory); tandem is \(executable.path)")
        var figures = RunFigures()
        var initialEdits: [AppliedEdit] = []
        var network: NetworkNamespaces?
        if options.networkNamespaces {
            do {
                network = try await onOwnThread { try NetworkNamespaces.create(count: options.nodes) }
                output("network namespaces: " + (network?.nodes ?? []).enumerated().map { "n\($0.offset + 1) \($0.element.namespace) at \($0.element.nodeAddress)" }.joined(separator: ", "))
            } catch {
                output("network namespaces unavailable (\(error)); the nodes run on loopback")
            }
        }
        defer { network?.remove() }
        let postgres = options.postgres ? try await PostgresServer.start() : nil
        if let postgres { output("PostgreSQL server on 127.0.0.1:\(postgres.port) for the even-numbered nodes") }
        let cluster: Cluster
        do {
            cluster = try await Cluster.build(
                nodeCount: options.nodes, topology: topology, directory: directory, executable: executable, seed: options.seed,
                network: network
            ) { index, node in
                let schema = NodeSchema.forNode(index)
                let table: any ExternalTable
                let adapter: NodeConfiguration.Adapter
                if let postgres, index % 2 == 1 {
                    let url = try await postgres.createDatabase(node.name)
                    table = try await PostgresTable.create(
                        host: postgres.host, port: postgres.port, user: postgres.user, database: node.name, schema: schema,
                        sidestepKnownIssues: options.sidestepKnownIssues)
                    adapter = .postgres(url: url)
                } else {
                    let file = "\(schema.table).db"
                    table = try SQLiteTable.create(
                        path: (node.directory as NSString).appendingPathComponent(file), schema: schema,
                        sidestepKnownIssues: options.sidestepKnownIssues)
                    adapter = .sqlite(file: file)
                }
                for row in schedule.initialRows[index] {
                    if var done = try await table.apply(row, node: index, step: 0) {
                        done.initial = true
                        initialEdits.append(done)
                    }
                }
                return (table, adapter)
            }
        } catch {
            postgres?.stop()
            throw error
        }
        var restartPostgres: (@Sendable () async throws -> Void)?
        if let postgres {
            restartPostgres = { try await postgres.restart() }
        }
        do {
            let report = try await drive(
                cluster, schedule: schedule, options: options, executable: executable, initialEdits: initialEdits,
                restartPostgres: restartPostgres, figures: &figures, directory: directory, output: output)
            await cluster.shutDown()
            postgres?.stop()
            if report.passed && options.directory == nil && !options.keep {
                try? FileManager.default.removeItem(atPath: root)
            }
            return report
        } catch {
            await cluster.shutDown()
            postgres?.stop()
            throw error
        }
    }

    private static func drive(
        _ cluster: Cluster, schedule: HarnessSchedule, options: HarnessOptions, executable: URL, initialEdits: [AppliedEdit],
        restartPostgres: (@Sendable () async throws -> Void)?, figures: inout RunFigures, directory: String, output: @escaping @Sendable (String) -> Void
    ) async throws -> HarnessReport {
        for node in cluster.nodes { try node.start() }
        try await waitUntilReady(cluster, seconds: 120)
        output("\(cluster.nodes.count) nodes running; fault phase of \(schedule.durationMillis) ms starts")

        let runner = ScheduleRunner(cluster: cluster, restartPostgres: restartPostgres, log: output)
        var edits = initialEdits + (try await runner.run(schedule.events, figures: &figures))
        try runner.healAll()
        if let breakage = options.breakage {
            edits += try await breakage.apply(to: cluster, edits: edits, restarts: max(0, cluster.nodes[0].startCount - 1))
            output("broken variant \(breakage.rawValue) done to n1's table; the check \"\(breakage.caughtBy)\" must fail")
        }
        let lastHeal = ContinuousClock.now
        figures.connectionsReset = cluster.links.reduce(0) { $0 + $1.figures.resets }
        output("fault phase over, everything healed; waiting up to \(HarnessOptions.number(options.convergeTimeoutSeconds)) s for convergence")

        var checks: [CheckResult] = []
        let converged = try await waitForConvergence(
            cluster, since: lastHeal, quietSeconds: options.quietSeconds, timeoutSeconds: options.convergeTimeoutSeconds)
        figures.convergenceMillis = converged.millis
        checks.append(CheckResult("converged within \(HarnessOptions.number(options.convergeTimeoutSeconds)) s of the last heal", findings: converged.pending))

        let final = try await ClusterObservation.take(cluster)
        let tableDifferences = TableComparison.differences(final.tables)
        checks.append(CheckResult(CheckNames.tables, findings: tableDifferences))
        checks.append(CheckResult(CheckNames.duplicates, findings: TableComparison.duplicates(final.tables)))
        checks.append(CheckResult(
            CheckNames.editHistory,
            findings: final.tables.enumerated().flatMap { index, rows in
                EditHistoryCheck.findings(final: rows, edits: edits).map { "n\(index + 1) \($0)" }
            }))
        var counts: [[String: Int]] = []
        for table in cluster.tables { counts.append(try await table.writeCounts()) }
        let restarts = cluster.nodes.map { max(0, $0.startCount - 1) }
        checks.append(CheckResult(CheckNames.echo, findings: EchoCheck.findings(counts: counts, edits: edits, restarts: restarts)))
        checks.append(CheckResult(CheckNames.status, findings: await StatusCheck.findings(cluster: cluster, executable: executable)))
        checks += await stateChecks(cluster, executable: executable, edits: edits, figures: &figures)
        var after: [[String: Int]] = []
        for table in cluster.tables { after.append(try await table.writeCounts()) }
        checks.append(CheckResult(CheckNames.quiet, findings: zip(counts, after).enumerated().compactMap { index, pair in
            pair.0 == pair.1 ? nil : "n\(index + 1): \(pair.1.values.reduce(0, +) - pair.0.values.reduce(0, +)) row writes during the checks"
        }))

        let report = HarnessReport(
            options: options, schedule: schedule, checks: checks, figures: figures, directory: directory, tableDifferences: tableDifferences)
        if !report.passed {
            for node in cluster.nodes {
                output("--- last lines of \(node.logPath)")
                node.logTail().forEach(output)
            }
        }
        return report
    }

    /// The checks that read the nodes' CRDT states and audit logs: the
    /// reference model, and the audit log's account of every lost value.
    static func stateChecks(
        _ cluster: Cluster, executable: URL, edits: [AppliedEdit], figures: inout RunFigures
    ) async -> [CheckResult] {
        var problems: [String] = []
        var states: [NodeState] = []
        var conflicts: [AuditCheck.Conflict] = []
        for node in cluster.nodes {
            do {
                states.append(try await onOwnThread { try NodeState.read(dataDirectory: node.dataDirectory, nodeID: node.nodeID) })
            } catch {
                problems.append("\(node.name): cannot read the store: \(error)")
            }
            do {
                let audit = try await TandemCommand.run(executable, ["audit", "--config", node.configPath, "--json"])
                guard audit.status == 0 else {
                    problems.append("\(node.name): tandem audit failed: \(audit.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
                    continue
                }
                conflicts += try AuditCheck.conflicts(auditJSON: audit.stdout)
            } catch {
                problems.append("\(node.name): tandem audit: \(error)")
            }
        }
        let model = ReferenceModel(edits: edits)
        let compared = ModelCheck.findings(states: states, model: model, nodeIDs: cluster.nodes.map(\.nodeID))
        figures.modelFields = compared.coverage.fields
        figures.modelDetermined = compared.coverage.determined
        figures.auditConflicts = conflicts.count
        let audited = states.first.map { AuditCheck.findings(final: $0, edits: edits, conflicts: conflicts) } ?? []
        return [
            CheckResult(CheckNames.model, findings: problems + compared.findings),
            CheckResult(CheckNames.audit, findings: problems + audited),
        ]
    }

    /// Waits until every node answers with its adapters attached (backfill
    /// done).
    static func waitUntilReady(_ cluster: Cluster, seconds: Double) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        for node in cluster.nodes {
            while true {
                if let status = await node.status(), (status.adapters ?? []).allSatisfy({ $0.state == "running" }) { break }
                if !node.isRunning {
                    let log = node.logTail()
                    if log.contains(where: { $0.contains("address already in use") }) {
                        throw PortTaken(description: "\(node.name) could not listen: \(log.last ?? "")")
                    }
                    throw HarnessError("\(node.name) exited at start:\n" + node.logTail().joined(separator: "\n"))
                }
                if ContinuousClock.now > deadline {
                    throw HarnessError("\(node.name) not ready after \(Int(seconds)) s:\n" + node.logTail().joined(separator: "\n"))
                }
                try await Task.sleep(for: .milliseconds(100))  // polling interval
            }
        }
    }

    /// Polls the cluster until it has been converged (`ClusterObservation
    /// .pending` empty) for `quietSeconds` without a change, or until
    /// `timeoutSeconds` after `since`. Returns the time from `since` to the
    /// start of that quiet streak, or what was still pending.
    static func waitForConvergence(
        _ cluster: Cluster, since: ContinuousClock.Instant, quietSeconds: Double, timeoutSeconds: Double
    ) async throws -> (millis: Int?, pending: [String]) {
        let deadline = since + .milliseconds(Int64(timeoutSeconds * 1000))
        var streakStart: ContinuousClock.Instant?
        var streakTables: [[TableRow]] = []
        while true {
            let now = ContinuousClock.now
            let observation = try await ClusterObservation.take(cluster)
            let pending = observation.pending(neighbours: cluster.neighbours)
            if pending.isEmpty {
                let tables = observation.tables.map { $0.sorted { $0.key < $1.key } }
                if let start = streakStart, tables == streakTables {
                    if ContinuousClock.now - start >= .milliseconds(Int64(quietSeconds * 1000)) {
                        let elapsed = start - since
                        return (Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000), [])
                    }
                } else {
                    streakStart = now
                    streakTables = tables
                }
            } else {
                streakStart = nil
            }
            if ContinuousClock.now > deadline { return (nil, pending) }
            try await Task.sleep(for: .milliseconds(200))  // polling interval
        }
    }
}
