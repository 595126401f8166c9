import ArgumentParser
import Foundation
import Logging
import TandemAdapterCore
import TandemCrypto
import TandemDaemon
import TandemStore

/// `--adapter NAME`: one adapter (its `collection/kind/table` name or its
/// table), or every adapter of the node.
struct AdapterOption: ParsableArguments {
    @Option(name: .long, help: "Only this adapter: its name (collection/kind/table, as status shows) or its table.")
    var adapter: String?

    var query: String {
        guard let adapter else { return "" }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return "?adapter=" + (adapter.addingPercentEncoding(withAllowedCharacters: allowed) ?? adapter)
    }
}

/// `tandem deletes --config FILE [--adapter NAME] [--json]`: the deletes
/// each adapter holds for approval, with the rows' last values.
struct DeletesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deletes",
        abstract: "List the mass deletes the running node's adapters hold for approval.",
        discussion: "A capture deleting more than mass_delete_share of a table (and at least mass_delete_min_rows rows) is held. Release it with approve-deletes or reject-deletes.")

    @OptionGroup var options: ConfigOption
    @OptionGroup var select: AdapterOption
    @Flag(name: .long, help: "Print the held deletes as JSON.")
    var json = false

    func run() async throws {
        let file = try options.load()
        let data = try await AdminClient.body(post: false, "/deletes" + select.query, at: file.node.admin)
        let reports = try AdapterReports.decode([AdapterReports.HeldDeletes].self, data)
        if json {
            print(try AdapterReports.json(reports))
            return
        }
        for report in reports {
            print("\(report.adapter): \(report.deletes.count) held deletes of \(report.table)")
            for delete in report.deletes {
                let values = delete.lastValues.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                print("  row \(delete.key)  deleted \(delete.deletedAt)  \(values)")
            }
        }
        if reports.isEmpty { print("no adapters") }
    }
}

/// `tandem approve-deletes` and `tandem reject-deletes`.
struct ReleaseDeletes {
    static func run(_ file: NodeConfigurationFile, _ select: AdapterOption, approve: Bool) async throws {
        let path = approve ? "/deletes/approve" : "/deletes/reject"
        let data = try await AdminClient.body(post: true, path + select.query, at: file.node.admin)
        for released in try AdapterReports.decode([AdapterReports.Released].self, data) {
            print("\(released.adapter): \(released.count) held deletes \(approve ? "approved (applied)" : "rejected (rows written back)")")
        }
    }
}

/// `tandem approve-deletes --config FILE [--adapter NAME]`.
struct ApproveDeletesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve-deletes",
        abstract: "Apply the held mass deletes: the records are deleted on every node.",
        discussion: "A record edited after its row was deleted survives.")

    @OptionGroup var options: ConfigOption
    @OptionGroup var select: AdapterOption

    func run() async throws {
        try await ReleaseDeletes.run(try options.load(), select, approve: true)
    }
}

/// `tandem reject-deletes --config FILE [--adapter NAME]`.
struct RejectDeletesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject-deletes",
        abstract: "Drop the held mass deletes: the deleted rows are written back from the CRDT state.")

    @OptionGroup var options: ConfigOption
    @OptionGroup var select: AdapterOption

    func run() async throws {
        try await ReleaseDeletes.run(try options.load(), select, approve: false)
    }
}

/// `tandem parity --config FILE [--adapter NAME] [--json]`.
struct ParityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parity",
        abstract: "Check each adapter's table against the CRDT state, and the CRDT state against each peer's, now; repair what differs.",
        discussion: """
            Sweeps every record of the collection; rows that differ are rewritten from the CRDT state and counted. \
            Without --adapter, also compares this node's records with each peer's by digest over the protocol, \
            drilling down to the records that differ, which are exchanged and joined where the nodes take each other's state. \
            While it runs longer than a second, a terminal shows the seconds on standard error.
            """)

    @OptionGroup var options: ConfigOption
    @OptionGroup var select: AdapterOption
    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        let file = try options.load()
        let path = "/parity" + select.query
        let admin = file.node.admin
        let swept: @Sendable () async -> String? = {
            // The sweeps' progress, from the node's status (best effort).
            guard let response = try? await AdminClient.get("/status", from: admin, timeoutSeconds: 5),
                  response.status == 200,
                  let report = try? StatusReport.decode(Data(response.body)) else { return nil }
            let records = (report.adapters ?? []).compactMap(\.sweptRecords)
            return records.isEmpty ? nil : "\(records.reduce(0, +)) records swept"
        }
        let data = try await TerminalProgress.whileRunning("checking parity", detail: swept) {
            try await AdminClient.body(post: true, path, at: file.node.admin, timeoutSeconds: 3600)
        }
        let run = try AdapterReports.decode(AdapterReports.ParityRun.self, data)
        if json {
            print(try AdapterReports.json(run))
            return
        }
        for report in run.adapters {
            print(report.line)
        }
        if run.adapters.isEmpty { print("no adapters") }
        for peer in run.peers { print(peer.line) }
    }
}

/// `tandem detach --config FILE [--adapter NAME]`: removes the capture
/// triggers, outbox and key map from each adapter's database.
struct DetachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detach",
        abstract: "Remove the capture triggers, outbox and key map from the adapters' databases.",
        discussion: "Run it with the node stopped. The tables and their rows are left as they are.")

    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "Only this adapter: its name (collection/kind/table) or its table.")
    var adapter: String?

    func run() async throws {
        let file = try options.load()
        if (try? await AdminClient.get("/status", from: file.node.admin, timeoutSeconds: 2)) != nil {
            throw CommandFailure("a node is running at \(file.node.admin) (node.admin); stop it before detaching its adapters")
        }
        let chosen = file.adapters.filter { adapter == nil || $0.name == adapter || $0.table == adapter }
        if let adapter, chosen.isEmpty {
            throw CommandFailure("no adapter \(adapter) in \(file.path); expected one of: \(file.adapters.map(\.name).joined(separator: ", "))")
        }
        var logger = Logger(label: "tandem.detach")
        logger.logLevel = .error
        for settings in chosen {
            do {
                let driver = try BuiltInAdapters.driver(settings, logger: logger)
                do {
                    try await driver.detach()
                } catch {
                    await driver.close()
                    throw error
                }
                await driver.close()
            } catch {
                throw DaemonError.adapterFailed(adapter: settings.name, detail: "detach: \(error)")
            }
            print("\(settings.name): removed the capture triggers, outbox and key map of \(settings.table)")
        }
    }
}

/// `tandem conflicts --config FILE [--json]`: the audit log's conflicts,
/// each with the id `tandem restore --event` takes.
struct ConflictsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts",
        abstract: "List concurrent writes resolved by last-writer-wins, with the losing values kept.",
        discussion: "Reads the audit log in data_dir; works whether or not the node is running. Restore a loser with tandem restore --event ID.")

    @OptionGroup var options: ConfigOption
    @Flag(name: .long, help: "Print the conflicts as a JSON array.")
    var json = false

    func run() throws {
        let file = try options.load()
        let records = try AuditLog.read(file, query: AuditLog.Query()).filter { $0.event.kind == .conflict }
        let own = try? NodeDaemon.readKey(file).nodeID
        let names = AuditLog.names(file, own: own)
        if json {
            print(try AuditLog.renderConflictsJSON(records, names: names), terminator: "")
            return
        }
        for entry in records {
            let event = entry.event
            let loser = RestorableValue.parse(event.detail)
            let target = "\(event.collection ?? "?")/\(event.record ?? "?")"
            let what = loser.map { "\($0.field): loser \($0.value)  (tandem restore --event \(entry.id))" } ?? "(not restorable)"
            print("#\(entry.id)  \(AuditLog.iso(event.at))  \(target)  \(what)")
            print("    \(AuditLog.readableDetail(event.detail))")
        }
        if records.isEmpty { print("no conflicts") }
    }
}

/// `tandem restore --config FILE --event ID`: writes a conflict's losing
/// value back as a new change (through the running node).
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Write a conflict's losing value back as a new change.",
        discussion: "Asks the running node: the value is written as a new change of this node, reaches its peers and every adapter's table.")

    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "The id of the conflict event (tandem conflicts).")
    var event: Int64

    func run() async throws {
        let file = try options.load()
        let data = try await AdminClient.body(post: true, "/restore?event=\(event)", at: file.node.admin)
        let restored = try AdapterReports.decode(AdapterReports.Restored.self, data)
        print("restored conflict #\(restored.event): \(restored.collection)/\(restored.record) \(restored.field) = \(restored.value)")
    }
}
