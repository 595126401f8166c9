import Foundation
import TandemDaemon
import TandemTestSupport
import Testing

/// `tandem run` with a PostgreSQL adapter (a real PostgreSQL server, edited
/// with psql) beside a node with a SQLite adapter (edited with sqlite3).
@Suite("tandem run with a PostgreSQL adapter", .serialized)
struct PostgresProcessTests {
    @Test("psql edits reach the SQLite table and sqlite3 edits reach PostgreSQL, through two tandem run processes")
    func postgresAndSQLite() async throws {
        try await PostgresServer.withServer { server in
            let url = try await server.createDatabase("crm")
            try await server.psql(database: "crm", sql: """
                CREATE TABLE customers (id serial PRIMARY KEY, email text, full_name varchar(80), phone text);
                INSERT INTO customers (email, full_name, phone) VALUES ('ada@example.com', 'Ada Lovelace', '100');
                """)
            let crm = try await DaemonNode(name: "crm")
            let helpdesk = try await DaemonNode(name: "helpdesk")
            defer {
                crm.cleanUp()
                helpdesk.cleanUp()
            }
            let helpdeskDB = helpdesk.directory.appending("helpdesk.db")
            try await sqlite3(helpdeskDB, """
                CREATE TABLE contacts (contact_id INTEGER PRIMARY KEY AUTOINCREMENT, mail TEXT, name TEXT, tel TEXT);
                INSERT INTO contacts (mail, name, tel) VALUES ('grace@example.com', 'Grace Hopper', '200');
                """)
            let match = "match_key = \"email\""
            try crm.configure(peers: [helpdesk], collection: match, extra: """

                [[adapter]]
                collection = "contacts"
                kind = "postgres"
                database = "\(url)"
                table = "public.customers"
                key = "id"
                [adapter.fields]
                email = "email"
                name = "full_name"
                phone = "phone"

                """)
            try helpdesk.configure(peers: [crm], collection: match, extra: AdapterProcessTests.helpdeskAdapter)
            try crm.start()
            try helpdesk.start()

            try await eventually("both customers in both tables") {
                guard try await server.psql(database: "crm", sql: "SELECT count(*) FROM customers").trimmingCharacters(in: .whitespacesAndNewlines) == "2" else { return false }
                return try await sqlite3(helpdeskDB, "SELECT count(*) FROM contacts") == "2"
            }
            try await server.psql(database: "crm", sql: "UPDATE customers SET phone = '101' WHERE email = 'ada@example.com'")
            try await sqlite3(helpdeskDB, "UPDATE contacts SET name = 'Rear Admiral Grace Hopper' WHERE mail = 'grace@example.com'")
            try await eventually("each edit in the other database") {
                guard try await sqlite3(helpdeskDB, "SELECT tel FROM contacts WHERE mail = 'ada@example.com'") == "101" else { return false }
                return try await server.psql(database: "crm", sql: "SELECT full_name FROM customers WHERE email = 'grace@example.com'")
                        .trimmingCharacters(in: .whitespacesAndNewlines) == "Rear Admiral Grace Hopper"
            }
            let report = try await #require(try crm.status())
            #expect(report.adapters?.first?.name == "contacts/postgres/public.customers")
            #expect(report.adapters?.first?.kind == "postgres")
            #expect((report.adapters?.first?.written ?? 0) >= 2)
            #expect(await crm.terminate()?.status == 0)
            #expect(await helpdesk.terminate()?.status == 0)

            // Detach removes the triggers and tables from PostgreSQL too.
            let detach = try await TandemExecutable.run(["detach", "--config", crm.configPath])
            #expect(detach.status == 0, "\(detach.stderr)")
            let left = try await server.psql(database: "crm", sql: "SELECT count(*) FROM pg_tables WHERE tablename LIKE '\\_tandem%'")
            #expect(left.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        }
    }
}
