import ArgumentParser
import Foundation
import TandemCore
import TandemDaemon
import TandemStore

/// `tandem demo [--dir PATH] [--once]`: two nodes as separate `tandem run`
/// processes, each keeping its own SQLite table in sync (a CRM's
/// `customers`, a helpdesk's `contacts`, with different column names).
///
/// Seeds overlapping customers on both sides (matched by email: one record
/// each, no duplicates), makes a change on each side, then a conflicting
/// change of the same field on both while the CRM is offline, and shows
/// both tables converging, with the conflict and its preserved loser. Then
/// leaves both nodes running for the user to edit either database, until
/// Ctrl-C; `--once` exits instead, 0 when both sides agree.
/// `--scenario crm-support|proposal-project|billing-crm` runs that scenario
/// of docs/scenarios.md instead (`DemoScenario`); with `--once` it exits 0
/// when the scenario's outcome holds on every system, 1 otherwise.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run two nodes keeping a CRM table and a helpdesk table in sync, and show it.",
        discussion: """
            Creates the demo folder (databases, keys, configurations), starts two `tandem run` processes \
            and edits both databases as another program would. Every wait has a deadline.
            """
    )

    @Option(name: .long, help: "The demo folder (replaced if it holds an earlier demo).", completion: .directory)
    var dir = "tandem-demo"

    @Flag(name: .long, help: "Exit after the walk-through: 0 when both tables agree (with --scenario: when its outcome holds on every system), 1 otherwise.")
    var once = false

    @Option(name: .long, help: "Seconds each step may take before the demo gives up.")
    var timeout: Double = 60

    @Option(
        name: .long,
        help: "A scenario of docs/scenarios.md instead of the CRM and helpdesk tables: \(DemoScenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: DemoScenario?

    func run() async throws {
        let directory = URL(fileURLWithPath: dir).standardizedFileURL.path
        if let scenario {
            let holds = try await scenario.run(directory: directory, timeout: timeout, once: once)
            if once && !holds { throw ExitCode.failure }
            return
        }
        try DemoFiles.prepare(directory)
        try DemoFiles.createDatabases(directory)
        let configs = try DemoFiles.writeConfigurations(directory)
        guard let crmConfig = configs["crm"], let helpdeskConfig = configs["helpdesk"] else {
            throw CommandFailure("the demo configurations were not written")
        }
        let crm = try DemoProcess(name: "crm", config: crmConfig, directory: directory)
        let helpdesk = try DemoProcess(name: "helpdesk", config: helpdeskConfig, directory: directory)
        let demo = DemoScript(directory: directory, crm: crm, helpdesk: helpdesk, timeout: timeout)
        let agreed: Bool
        do {
            agreed = try await demo.walkThrough()
        } catch {
            crm.stop()
            helpdesk.stop()
            throw error
        }
        if once {
            crm.stop()
            helpdesk.stop()
            print(agreed ? "\nboth sides agree: yes" : "\nboth sides agree: NO")
            if !agreed { throw ExitCode.failure }
            return
        }
        demo.explain(crmConfig: crmConfig, helpdeskConfig: helpdeskConfig)
        await DemoProcess.waitForInterrupt()
        print("\nstopping both nodes…")
        crm.stop()
        helpdesk.stop()
        print("stopped. The demo folder stays: \(directory)")
    }
}

/// The walk-through, step by step, each waiting on a condition with a deadline.
struct DemoScript {
    let directory: String
    let crm: DemoProcess
    let helpdesk: DemoProcess
    let timeout: Double

    func walkThrough() async throws -> Bool {
        print("== 1. Two systems, two SQLite files, different column names (folder \(directory))")
        print("   crm.db      customers(id, email, full_name, phone, tier, created_at)")
        print("   helpdesk.db contacts(contact_id, mail, name, tel, plan, open_tickets)")
        print("   Both know Ada and Grace; only the CRM knows Alan, only the helpdesk Margaret.")
        try show()

        print("\n== 2. Start two nodes (tandem run), each attached to its own table")
        let started = ContinuousClock.now
        try crm.start()
        try helpdesk.start()
        try await crm.waitUntilRunning(timeout: timeout)
        try await helpdesk.waitUntilRunning(timeout: timeout)
        print("   crm and helpdesk are running; logs in crm.log and helpdesk.log")
        try await converge("every customer on both sides, Ada and Grace once each (matched by email)", since: started) { crm, helpdesk in
            crm.count == 4 && helpdesk.count == 4
        }

        print("\n== 3. A change on each side, made by other programs with plain SQL")
        try DemoSystem.crm.execute("UPDATE customers SET tier = 'gold' WHERE email = 'alan@example.com'", in: directory)
        print("   crm.db:      UPDATE customers SET tier = 'gold' WHERE email = 'alan@example.com'")
        try DemoSystem.helpdesk.execute("UPDATE contacts SET tel = '+1 617 555 0142' WHERE mail = 'margaret@example.com'", in: directory)
        print("   helpdesk.db: UPDATE contacts SET tel = '+1 617 555 0142' WHERE mail = 'margaret@example.com'")
        try await converge("Alan's tier and Margaret's phone on both sides") { crm, helpdesk in
            helpdesk["alan@example.com"]?["tier"] == "gold" && crm["margaret@example.com"]?["phone"] == "+1 617 555 0142"
        }

        print("\n== 4. A conflict: the CRM goes offline, both sides change Ada's phone, the CRM comes back")
        crm.stop()
        print("   crm node stopped")
        let restarted = ContinuousClock.now
        try DemoSystem.crm.execute("UPDATE customers SET phone = '+44 20 7946 0555' WHERE email = 'ada@example.com'", in: directory)
        print("   crm.db:      Ada's phone = +44 20 7946 0555 (edited first)")
        // Edit times have millisecond precision: the second edit is later.
        try await Task.sleep(for: .milliseconds(20))
        try DemoSystem.helpdesk.execute("UPDATE contacts SET tel = '+44 20 7946 0777' WHERE mail = 'ada@example.com'", in: directory)
        print("   helpdesk.db: Ada's phone = +44 20 7946 0777 (edited later: the last writer wins)")
        try crm.start()
        try await crm.waitUntilRunning(timeout: timeout)
        print("   crm node started again; it captures what changed while it was down, with its edit time")
        try await converge("Ada's later phone on both sides", since: restarted) { crm, helpdesk in
            crm["ada@example.com"]?["phone"] == "+44 20 7946 0777" && helpdesk["ada@example.com"]?["phone"] == "+44 20 7946 0777"
        }
        let conflicts = try await waitForConflict()
        print("\n   The losing value is kept, not dropped (tandem conflicts --config \(crm.config)):")
        for entry in conflicts {
            let split = RestorableValue.split(entry.event.detail)
            let loser = split.value.map { "\($0.field) = \($0.value)" } ?? "?"
            print("   #\(entry.id) \(entry.event.collection ?? "")/\(entry.event.record ?? ""): lost \(loser)")
            print("       \(split.text)")
        }
        print("   (tandem restore --config \(crm.config) --event ID writes a loser back as a new change)")
        return try agree()
    }

    /// Whether both tables hold the same customers with the same fields.
    func agree() throws -> Bool {
        try DemoSystem.crm.rows(in: directory) == DemoSystem.helpdesk.rows(in: directory)
    }

    /// Waits until `condition` holds and both tables agree, then shows them.
    func converge(
        _ what: String, since: ContinuousClock.Instant = .now,
        _ condition: ([String: [String: String]], [String: [String: String]]) -> Bool
    ) async throws {
        let started = since
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while true {
            let left = try DemoSystem.crm.rows(in: directory)
            let right = try DemoSystem.helpdesk.rows(in: directory)
            if condition(left, right) && left == right {
                let elapsed = ContinuousClock.now - started
                let millis = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
                print("   converged \(millis) ms after the step began: \(what)")
                try show()
                return
            }
            guard ContinuousClock.now < deadline else {
                try show()
                throw CommandFailure("the tables did not converge within \(Int(timeout)) s (\(what)); see crm.log and helpdesk.log in \(directory)")
            }
            try await Task.sleep(for: .milliseconds(50))  // polling interval, not synchronisation
        }
    }

    /// The crm node's conflict over Ada's phone, once recorded.
    func waitForConflict() async throws -> [AuditRecord] {
        let file = try NodeConfigurationFile.load(path: crm.config)
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while true {
            // Ada's phone from the CRM, the losing write (backfilling equal
            // rows on both sides also records equal concurrent values).
            let found = try AuditLog.read(file, query: AuditLog.Query(record: "email:ada@example.com")).filter {
                $0.event.kind == .conflict
                    && RestorableValue.parse($0.event.detail) == RestorableValue(field: "phone", value: .string("+44 20 7946 0555"))
            }
            if !found.isEmpty { return found }
            guard ContinuousClock.now < deadline else {
                throw CommandFailure("no conflict was recorded within \(Int(timeout)) s; see crm.log in \(directory)")
            }
            try await Task.sleep(for: .milliseconds(50))  // polling interval, not synchronisation
        }
    }

    /// Both tables side by side.
    func show() throws {
        let left = try DemoSystem.crm.rows(in: directory)
        let right = try DemoSystem.helpdesk.rows(in: directory)
        func line(_ row: [String: String]?) -> String {
            guard let row else { return "-" }
            return [row["name"] ?? "", row["email"] ?? "", row["phone"] ?? "", row["tier"] ?? ""].joined(separator: " | ")
        }
        let width = max(left.values.map { line($0).count }.max() ?? 0, "crm.db customers".count)
        print("")
        print("   " + "crm.db customers".padding(toLength: width, withPad: " ", startingAt: 0) + "   helpdesk.db contacts")
        for email in Set(left.keys).union(right.keys).sorted() {
            let mark = left[email] == right[email] ? " " : "≠"
            print("   " + line(left[email]).padding(toLength: width, withPad: " ", startingAt: 0) + " \(mark) " + line(right[email]))
        }
    }

    func explain(crmConfig: String, helpdeskConfig: String) {
        print("""

            == Both nodes keep running. Edit either database and watch the other follow:

               sqlite3 \(directory)/crm.db "UPDATE customers SET tier = 'platinum' WHERE email = 'grace@example.com'"
               sqlite3 \(directory)/helpdesk.db "SELECT mail, name, tel, plan FROM contacts"
               sqlite3 \(directory)/helpdesk.db "INSERT INTO contacts (mail, name) VALUES ('linus@example.com', 'Linus')"
               sqlite3 \(directory)/crm.db "SELECT email, full_name, phone, tier FROM customers"

               tandem status --config \(crmConfig)
               tandem conflicts --config \(crmConfig)
               tandem audit --config \(helpdeskConfig)

            Press Ctrl-C to stop both nodes.
            """)
    }
}
