import Foundation
import GRDB

/// `tandem demo --scenario proposal-project`: scenario 2 of
/// docs/scenarios.md on two `tandem run` processes and two SQLite files. A
/// proposal tool's `proposals` table on one node; a pipeline's `deals` and
/// a project workspace's `projects` on the other. Marking a proposal signed
/// flips its deal to won and creates one project with its scope, budget and
/// timeline (a cross-record rule on the proposals node).
struct ProposalProjectDemo {
    let directory: String
    let timeout: Double

    static let proposals = DemoSystem(name: "proposals", database: "proposals.db", table: "proposals", key: "id", columns: [:])
    static let pipeline = DemoSystem(name: "pipeline", database: "pipeline.db", table: "deals", key: "id", columns: [:])

    /// Runs the walk-through; returns whether the outcome holds on both systems.
    func run(once: Bool) async throws -> Bool {
        try DemoFiles.prepare(directory)
        try Self.proposals.execute("""
            CREATE TABLE proposals (id INTEGER PRIMARY KEY, number TEXT, status TEXT, deal_code TEXT, scope TEXT,
                budget INTEGER, timeline TEXT);
            INSERT INTO proposals (number, status, deal_code, scope, budget, timeline) VALUES
                ('P-100', 'sent', 'D-7', 'Website relaunch', 48000, '2027-01-10 to 2027-03-31'),
                ('P-101', 'draft', 'D-8', 'Security audit', 9000, '2027-02');
            """, in: directory)
        try Self.pipeline.execute("""
            CREATE TABLE deals (id INTEGER PRIMARY KEY, code TEXT, name TEXT, stage TEXT);
            CREATE TABLE projects (id INTEGER PRIMARY KEY, scope TEXT, budget INTEGER, timeline TEXT, proposal_number TEXT);
            INSERT INTO deals (code, name, stage) VALUES ('D-7', 'Acme relaunch', 'negotiation'), ('D-8', 'Globex audit', 'qualified');
            """, in: directory)
        let pair = try DemoPair(directory: directory, timeout: timeout, names: "proposals", "pipeline")
        let configs = try writeConfigurations(pair)
        let proposalsNode = try DemoProcess(name: "proposals", config: configs.proposals, directory: directory)
        let pipelineNode = try DemoProcess(name: "pipeline", config: configs.pipeline, directory: directory)
        let explanation = """
            == Both nodes keep running. Sign the other proposal and watch the pipeline:

               sqlite3 \(directory)/proposals.db "UPDATE proposals SET status = 'signed' WHERE number = 'P-101'"
               sqlite3 \(directory)/pipeline.db "SELECT code, stage FROM deals; SELECT * FROM projects"
               tandem audit --config \(configs.proposals)
            """
        return try await pair.session(
            [proposalsNode, pipelineNode], once: once, verdict: "deal won and one project with scope, budget and timeline",
            explanation: explanation
        ) {
            print("== 1. A proposal tool and a pipeline with projects, two SQLite files (folder \(directory))")
            print("   proposals.db proposals(id, number, status, deal_code, scope, budget, timeline)")
            print("   pipeline.db  deals(id, code, name, stage), projects(id, scope, budget, timeline, proposal_number)")
            print("   The rule, on the proposals node (proposals.toml):")
            print("     when a proposal's status becomes \"signed\": its deal (deal_code) gets stage = \"won\",")
            print("     and a project is created with its scope, budget and timeline")
            try show()

            print("\n== 2. Start both nodes (tandem run)")
            try await pair.start([proposalsNode, pipelineNode])

            print("\n== 3. The client signs proposal P-100 (the proposal tool updates its row)")
            print("   proposals.db: UPDATE proposals SET status = 'signed' WHERE number = 'P-100'")
            let signed = ContinuousClock.now
            try Self.proposals.execute("UPDATE proposals SET status = 'signed' WHERE number = 'P-100'", in: directory)
            let holds = try await pair.waitFor { try outcomeHolds() }
            let millis = DemoPair.millis(since: signed)
            print(holds ? "   deal D-7 won and one project created, \(millis) ms after the signature" : "   the outcome did not appear")
            try show()
            return holds
        }
    }

    /// Whether deal D-7 is won and exactly one project holds P-100's scope,
    /// budget and timeline.
    func outcomeHolds() throws -> Bool {
        let queue = try Self.pipeline.open(in: directory)
        defer { try? queue.close() }
        return try queue.read { db in
            let stage = try String.fetchOne(db, sql: "SELECT stage FROM deals WHERE code = 'D-7'")
            let projects = try Row.fetchAll(db, sql: "SELECT scope, budget, timeline, proposal_number FROM projects")
            guard stage == "won", projects.count == 1, let project = projects.first else { return false }
            let scope: String? = project["scope"]
            let budget: Int64? = project["budget"]
            let timeline: String? = project["timeline"]
            return scope == "Website relaunch" && budget == 48000 && timeline == "2027-01-10 to 2027-03-31"
        }
    }

    /// Both databases' rows.
    func show() throws {
        print("\n   proposals.db proposals (number | status | deal | scope | budget | timeline)")
        for line in try Self.proposals.lines("SELECT number, status, deal_code, scope, budget, timeline FROM proposals", in: directory) {
            print("     " + line)
        }
        print("   pipeline.db deals (code | name | stage)")
        for line in try Self.pipeline.lines("SELECT code, name, stage FROM deals", in: directory) { print("     " + line) }
        print("   pipeline.db projects (scope | budget | timeline | proposal)")
        let projects = try Self.pipeline.lines("SELECT scope, budget, timeline, proposal_number FROM projects", in: directory)
        if projects.isEmpty { print("     (none)") }
        for line in projects { print("     " + line) }
    }

    /// Both keys and configurations; returns the configuration paths.
    func writeConfigurations(_ pair: DemoPair) throws -> (proposals: String, pipeline: String) {
        let collections = """

            [[collection]]
            name = "proposals"
            match_key = "number"

            [[collection]]
            name = "deals"
            match_key = "code"

            [[collection]]
            name = "projects"

            """
        let proposals = try pair.writeConfiguration(
            "proposals", comment: "tandem demo (proposal-project): the proposal tool's node, with the rule.", body: collections + """

            [[adapter]]
            collection = "proposals"
            kind = "sqlite"
            database = "proposals.db"
            table = "proposals"
            key = "id"
            [adapter.fields]
            number = "number"
            status = "status"
            deal_id = "deal_code"
            scope = "scope"
            budget = "budget"
            timeline = "timeline"

            [[rule]]
            name = "signed-proposal"
            collection = "proposals"
            when = { field = "status", equals = "signed" }
            [rule.update]
            collection = "deals"
            link = "deal_id"
            set = { stage = "won" }
            [rule.create]
            collection = "projects"
            copy = { scope = "scope", budget = "budget", timeline = "timeline", proposal = "number" }
            link_back = "proposal_id"

            """)
        let pipeline = try pair.writeConfiguration(
            "pipeline", comment: "tandem demo (proposal-project): the pipeline's and projects' node.", body: collections + """

            [[adapter]]
            collection = "deals"
            kind = "sqlite"
            database = "pipeline.db"
            table = "deals"
            key = "id"
            [adapter.fields]
            code = "code"
            name = "name"
            stage = "stage"

            [[adapter]]
            collection = "projects"
            kind = "sqlite"
            database = "pipeline.db"
            table = "projects"
            key = "id"
            [adapter.fields]
            scope = "scope"
            budget = "budget"
            timeline = "timeline"
            proposal = "proposal_number"

            """)
        return (proposals, pipeline)
    }
}
