import Testing
import TandemCore
import TandemPostgresStore
import TandemStore
import TandemTestSupport

/// SQLSTATE 40001 (serialization failure): the server rolls the transaction
/// back and the store runs it again, so a commit that met a few conflicts
/// commits exactly once; one that keeps failing reports the failure after
/// `conflictAttempts` runs and commits nothing. The failures are the
/// server's own: a trigger in the store's schema raises 40001 while a
/// sequence (which a rollback does not undo) is below a threshold.
@Suite(.ownThread) struct SerializationRetryTests {
    @Test func aCommitThatMeetsConflictsRunsAgainAndCommitsOnce() async throws {
        let schema = try await SharedPostgres.freshSchema()
        defer { SharedPostgres.drop(schema) }
        let store = try PostgresStore(url: schema.url, environment: [:], node: Nodes.local, now: 0)
        defer { store.close() }
        try await Self.injectConflicts(schema, failing: 3)
        let batch = try store.commitChange(records: ["r1"], clock: stamp(1)) {
            try $0.set("name", to: .string("Ann"), in: "r1", by: Nodes.local, at: stamp(1))
        }
        #expect(batch.sequence == 1)
        #expect(store.retriedConflicts == 3)
        #expect(try store.log().map(\.sequence) == [1])
        #expect(try store.allAudit().filter { $0.event.kind == .localCommit }.count == 1)
        #expect(try store.record("people", "r1")?.fields["name"]?.value == .string("Ann"))
    }

    @Test func aCommitThatKeepsConflictingFailsAndCommitsNothing() async throws {
        let schema = try await SharedPostgres.freshSchema()
        defer { SharedPostgres.drop(schema) }
        let store = try PostgresStore(
            url: schema.url, environment: [:], node: Nodes.local, options: PostgresStore.Options(conflictAttempts: 4), now: 0)
        defer { store.close() }
        try await Self.injectConflicts(schema, failing: 1_000)
        #expect {
            try store.commitChange(records: ["r1"], clock: stamp(1)) {
                try $0.set("name", to: .string("Ann"), in: "r1", by: Nodes.local, at: stamp(1))
            }
        } throws: { error in
            "\(error)".contains("40001")
        }
        #expect(store.retriedConflicts == 3, "four runs: the first and three retries")
        #expect(try store.log().isEmpty)
        #expect(try store.allRecords("people").isEmpty)
        #expect(try store.summary().batches.nextSequence(for: Nodes.local) == 1)
    }

    /// Makes the next `count` inserts into the schema's audit table fail
    /// with SQLSTATE 40001.
    static func injectConflicts(_ schema: SharedPostgres.Schema, failing count: Int) async throws {
        try await schema.server.psql(sql: """
            CREATE SEQUENCE \(schema.name).injected_conflicts;
            CREATE FUNCTION \(schema.name).inject_conflict() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('\(schema.name).injected_conflicts') <= \(count) THEN
                    RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = '40001';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER inject_conflict BEFORE INSERT ON \(schema.name).audit
                FOR EACH ROW EXECUTE FUNCTION \(schema.name).inject_conflict();
            """)
    }
}
