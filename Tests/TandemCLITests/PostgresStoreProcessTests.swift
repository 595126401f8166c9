import Foundation
import TandemDaemon
import TandemTestSupport
import Testing

/// `tandem run` with its state in PostgreSQL (`[node] store =
/// "postgres://…"`) beside a node on SQLite, each with a SQLite adapter:
/// edits sync both ways, a SIGKILL of the node loses nothing and it
/// catches up, and a restart of the PostgreSQL server under the running
/// node does not stop it syncing.
@Suite("tandem run with its state in PostgreSQL", .serialized)
struct PostgresStoreProcessTests {
    @Test("a node on PostgreSQL syncs, survives a SIGKILL and a server restart")
    func nodeStateInPostgres() async throws {
        try await PostgresServer.withServer { server in
            let (crm, helpdesk, crmDB, helpdeskDB) = try await AdapterProcessTests.pair()
            defer {
                crm.cleanUp()
                helpdesk.cleanUp()
            }
            let match = "match_key = \"email\""
            try crm.configure(
                peers: [helpdesk], collection: match, extra: AdapterProcessTests.crmAdapter, store: server.url + "?schema=crm_state")
            try crm.start()
            try helpdesk.start()
            try await eventually("both tables hold the five customers") {
                guard try await sqlite3(crmDB, "SELECT count(*) FROM customers") == "5" else { return false }
                return try await sqlite3(helpdeskDB, "SELECT count(*) FROM contacts") == "5"
            }
            // The state is in PostgreSQL, not in the data directory.
            #expect(!FileManager.default.fileExists(atPath: crm.directory.appending("data/tandem.sqlite")))
            let records = try await server.psql(sql: "SELECT count(DISTINCT record) FROM crm_state.entry;")
            #expect(records.trimmingCharacters(in: .whitespacesAndNewlines) == "5")

            // SIGKILL: nothing acknowledged is lost, and it catches up on what it missed.
            await crm.killNow()
            try await sqlite3(helpdeskDB, "UPDATE contacts SET tel = '555' WHERE mail = 'ada@example.com'")
            try crm.start()
            try await eventually("the edit made while the node was down reaches its table") {
                try await sqlite3(crmDB, "SELECT phone FROM customers WHERE email = 'ada@example.com'") == "555"
            }

            // A restart of the PostgreSQL server under the running node.
            try await server.restart()
            try await sqlite3(crmDB, "UPDATE customers SET full_name = 'Countess Ada' WHERE email = 'ada@example.com'")
            try await sqlite3(helpdeskDB, "UPDATE contacts SET tel = '501' WHERE mail = 'barbara@example.com'")
            try await eventually("edits on both sides after the restart reach the other table") {
                guard try await sqlite3(helpdeskDB, "SELECT name FROM contacts WHERE mail = 'ada@example.com'") == "Countess Ada" else { return false }
                return try await sqlite3(crmDB, "SELECT phone FROM customers WHERE email = 'barbara@example.com'") == "501"
            }

            // `tandem audit` reads the schema beside the running node.
            let audit = try await TandemExecutable.run(["audit", "--config", crm.configPath])
            #expect(audit.status == 0, "\(audit.stderr)")
            #expect(audit.stdout.contains("local-commit"))
            #expect(await crm.terminate()?.status == 0)
            #expect(await helpdesk.terminate()?.status == 0)
        }
    }

    @Test("a bad store URL stops tandem run at start, saying what is wrong")
    func badStoreURL() async throws {
        let node = try await DaemonNode(name: "crm")
        defer { node.cleanUp() }
        try node.configure(peers: [], store: "postgres://tandem:hunter2@db.internal/state?schema=crm")
        let result = try await TandemExecutable.run(["run", "--config", node.configPath])
        #expect(result.status != 0)
        #expect(result.stderr.contains("store"))
        #expect(result.stderr.contains("password in the URL is refused"))
        #expect(!result.stderr.contains("hunter2"))
    }
}
