import Foundation
import TandemDaemon
import TandemTestSupport
import Testing

/// Scenario 2 (docs/scenarios.md) on two `tandem run` processes: a proposal
/// tool's `proposals` table on one node, a pipeline's `deals` and a project
/// workspace's `projects` on the other. A proposal marked signed with the
/// sqlite3 shell wins its deal and creates exactly one project.
@Suite("tandem run with rules", .serialized)
struct RuleProcessTests {
    static let collections = """

        [[collection]]
        name = "proposals"
        match_key = "number"

        [[collection]]
        name = "deals"
        match_key = "code"

        [[collection]]
        name = "projects"

        """
    static let proposalsSide = collections + """

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

        """
    static let pipelineSide = collections + """

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
        proposal_id = "proposal_record"

        """

    /// Rule events in the proposals node's audit log.
    static func ruleEvents(_ node: DaemonNode) async throws -> [[String: Any]] {
        let audit = try await TandemExecutable.run(["audit", "--config", node.configPath, "--json"])
        try #require(audit.status == 0, "audit: \(audit.stderr)")
        let events = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
        return events.filter { ($0["kind"] as? String) == "rule-fired" }
    }

    @Test("a proposal signed in its table wins the deal and creates one project with scope, budget and timeline")
    func signedProposal() async throws {
        let proposals = try await DaemonNode(name: "proposals")
        let pipeline = try await DaemonNode(name: "pipeline")
        defer {
            proposals.cleanUp()
            pipeline.cleanUp()
        }
        let proposalsDB = proposals.directory.appending("proposals.db")
        let pipelineDB = pipeline.directory.appending("pipeline.db")
        try await sqlite3(proposalsDB, """
            CREATE TABLE proposals (id INTEGER PRIMARY KEY, number TEXT, status TEXT, deal_code TEXT, scope TEXT, budget INTEGER, timeline TEXT);
            INSERT INTO proposals (number, status, deal_code, scope, budget, timeline) VALUES
                ('P-100', 'sent', 'D-7', 'Website relaunch', 48000, '2027-01-10..2027-03-31'),
                ('P-101', 'draft', 'D-8', 'Audit', 9000, '2027-02');
            """)
        try await sqlite3(pipelineDB, """
            CREATE TABLE deals (id INTEGER PRIMARY KEY, code TEXT, name TEXT, stage TEXT);
            CREATE TABLE projects (id INTEGER PRIMARY KEY, scope TEXT, budget INTEGER, timeline TEXT, proposal_number TEXT, proposal_record TEXT);
            INSERT INTO deals (code, name, stage) VALUES ('D-7', 'Acme relaunch', 'negotiation'), ('D-8', 'Globex audit', 'qualified');
            """)
        try proposals.configure(peers: [pipeline], extra: Self.proposalsSide)
        try pipeline.configure(peers: [proposals], extra: Self.pipelineSide)
        try proposals.start()
        try pipeline.start()
        #expect(await proposals.waitForLog("node proposals running"), "proposals did not start")
        #expect(await pipeline.waitForLog("node pipeline running"), "pipeline did not start")
        // Nothing is signed yet: the backfill fires nothing.
        try await eventually("both nodes connected") {
            try await proposals.status()?.peers.first?.connected == true
        }
        await #expect(try Self.ruleEvents(proposals).isEmpty)

        try await sqlite3(proposalsDB, "UPDATE proposals SET status = 'signed' WHERE number = 'P-100'")
        try await eventually("the deal won and the project created") {
            guard try await sqlite3(pipelineDB, "SELECT stage FROM deals WHERE code = 'D-7'") == "won" else { return false }
            return try await sqlite3(pipelineDB, "SELECT count(*) FROM projects") == "1"
        }
        try await eventually("the project's fields all written") {
            try await sqlite3(pipelineDB, "SELECT scope, budget, timeline, proposal_number, proposal_record FROM projects")
                == "Website relaunch|48000|2027-01-10..2027-03-31|P-100|number:p-100"
        }
        #expect(try await sqlite3(pipelineDB, "SELECT stage FROM deals WHERE code = 'D-8'") == "qualified")

        // Audited on the node that fired: the rule, the source and the change.
        let events = try await Self.ruleEvents(proposals)
        #expect(events.count == 2, "\(events)")
        #expect(events.allSatisfy { ($0["detail"] as? String)?.contains("rule signed-proposal") == true
            && ($0["detail"] as? String)?.contains("fired by number:p-100 change ") == true }, "\(events)")
        #expect(events.contains { ($0["record"] as? String) == "signed-proposal:number:p-100" })
        #expect(events.contains { ($0["record"] as? String) == "code:d-7" })

        // Edits that leave the proposal signed fire nothing more; the other
        // proposal signed fires once for itself.
        try await sqlite3(proposalsDB, "UPDATE proposals SET scope = 'Website relaunch and shop' WHERE number = 'P-100'")
        try await sqlite3(proposalsDB, "UPDATE proposals SET status = 'signed' WHERE number = 'P-101'")
        try await eventually("the second proposal's project") {
            guard try await sqlite3(pipelineDB, "SELECT count(*) FROM projects") == "2" else { return false }
            return try await sqlite3(pipelineDB, "SELECT stage FROM deals WHERE code = 'D-8'") == "won"
        }
        try await eventually("the scope edit captured") {
            let audit = try await TandemExecutable.run(["audit", "--config", proposals.configPath, "--record", "number:p-100", "--json"])
            let events = try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]] ?? []
            return events.filter { ($0["kind"] as? String) == "captured" }.count >= 2
        }
        await #expect(try Self.ruleEvents(proposals).count == 4)
        #expect(try await sqlite3(pipelineDB, "SELECT count(*) FROM projects WHERE proposal_number = 'P-100'") == "1")
        #expect(try await sqlite3(pipelineDB, "SELECT scope FROM projects WHERE proposal_number = 'P-100'") == "Website relaunch")

        let exit = try #require(await proposals.terminate(), "proposals did not exit after SIGTERM")
        #expect(exit.status == 0, "\(exit.lines)")
        #expect(exit.lines.contains { $0.contains("rule fired") && $0.contains("signed-proposal") })
    }
}
