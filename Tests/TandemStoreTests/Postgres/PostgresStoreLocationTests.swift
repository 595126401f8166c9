import TandemTestSupport
import Testing
import TandemPostgresStore
import TandemStore

/// The store URL: its parts, its defaults, where the password comes from,
/// and a clear refusal of anything else.
@Suite(.ownThread) struct PostgresStoreLocationTests {
    @Test func theURLNamesServerDatabaseAndSchema() throws {
        let location = try PostgresStoreLocation("postgres://tandem@db.example:6543/state?schema=node_a", environment: [:])
        #expect(location.host == "db.example")
        #expect(location.port == 6543)
        #expect(location.user == "tandem")
        #expect(location.database == "state")
        #expect(location.schema == "node_a")
        #expect(location.password == nil)
        #expect(location.description == "postgres://tandem@db.example:6543/state?schema=node_a")
        let defaults = try PostgresStoreLocation("postgresql://tandem@db/state", environment: [:])
        #expect(defaults.port == 5432)
        #expect(defaults.schema == "tandem")
    }

    @Test func thePasswordComesFromTheEnvironmentNeverFromTheURL() throws {
        let fromPG = try PostgresStoreLocation("postgres://tandem@db/state", environment: ["PGPASSWORD": "s3cret"])
        #expect(fromPG.password == "s3cret")
        #expect(fromPG.passwordSource == "PGPASSWORD")
        #expect(!fromPG.description.contains("s3cret"))
        let named = try PostgresStoreLocation(
            "postgres://tandem@db/state?password_env=NODE_A_DB", environment: ["NODE_A_DB": "other", "PGPASSWORD": "s3cret"])
        #expect(named.password == "other")
        #expect(named.passwordSource == "NODE_A_DB")
        #expect(throws: StoreError.self) {
            try PostgresStoreLocation("postgres://tandem@db/state?password_env=MISSING", environment: [:])
        }
    }

    @Test(arguments: [
        ("postgres://tandem:s3cret@db/state", "password in the URL is refused"),
        ("mysql://tandem@db/state", "scheme"),
        ("postgres://db/state", "no user"),
        ("postgres://tandem@db", "no database"),
        ("postgres://tandem@db:99999/state", "not a port number"),
        ("postgres://tandem@db/state?schema=Node", "lower-case"),
        ("postgres://tandem@db/state?schema=pg_temp", "reserved"),
        ("postgres://tandem@db/state?schema=1node", "digit"),
        ("postgres://tandem@db/state?sslmode=require", "sslmode=require"),
        ("postgres://tandem@db/state?colour=blue", "unknown query parameter colour"),
    ])
    func aBadURLIsRefusedSayingWhy(url: String, problem: String) {
        #expect {
            try PostgresStoreLocation(url, environment: [:])
        } throws: { error in
            let text = "\(error)"
            return text.contains(problem) && !text.contains("s3cret")
        }
    }
}
