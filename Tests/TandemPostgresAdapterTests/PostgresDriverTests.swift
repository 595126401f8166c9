import Foundation
import Logging
import PostgresNIO
import Testing
import TandemAdapterCore
import TandemPostgresAdapter
import TandemTestSupport

/// The PostgreSQL driver against a real PostgreSQL server (no mocks): the
/// capture trigger, the outbox, marked writes, the key map, snapshots,
/// NOTIFY wake-ups, reconnection after a restart and removal.
@Suite struct PostgresDriverTests {
    static let customers = """
        CREATE TABLE customers (
            id integer PRIMARY KEY,
            email varchar(40) NOT NULL CHECK (email LIKE '%@%'),
            name text,
            vip boolean,
            joined date,
            seen timestamptz,
            score numeric,
            tags text[],
            notes text
        );
        """

    static let mapped = ["email", "name", "vip", "joined", "seen", "score", "tags"]

    @Test func describeMapsTypes() async throws {
        try await withDriver(setUp: """
            CREATE EXTENSION IF NOT EXISTS citext;
            CREATE DOMAIN short_text AS varchar(10);
            CREATE TABLE customers (
                id bigint PRIMARY KEY, a text, b varchar(20), c char(3), d citext, e short_text,
                f smallint, g integer, h numeric(10,2), i real, j double precision, k boolean,
                l date, m timestamp, n timestamptz, o text[], p integer[], q jsonb, r bytea, s uuid
            );
            CREATE TABLE no_key (x int);
            CREATE TABLE two_keys (x int, y int, PRIMARY KEY (x, y));
            CREATE SCHEMA crm;
            CREATE TABLE crm."Mixed Case" ("Key" text PRIMARY KEY, v int);
            """
        ) { server, database, driver in
            let schema = try await driver.describe()
            #expect(schema.table == "customers")
            #expect(schema.keyColumn == "id")
            let expected: [String: ColumnType] = [
                "id": .integer, "a": .text, "b": .text, "c": .text, "d": .text, "e": .text,
                "f": .integer, "g": .integer, "h": .real, "i": .real, "j": .real, "k": .boolean,
                "l": .date, "m": .timestamp, "n": .timestamp, "o": .array, "p": .array,
                "q": .unsupported("jsonb"), "r": .unsupported("bytea"), "s": .text,
            ]
            #expect(schema.columns == expected)

            let url = server.url(database: database)
            let noKey = try PostgresDriver(url: url, table: "no_key", keyColumn: "x")
            await #expect(throws: AdapterError.badKey(table: "no_key", problem: "has no primary key (database \(database))")) {
                try await noKey.describe()
            }
            await noKey.close()
            let twoKeys = try PostgresDriver(url: url, table: "two_keys", keyColumn: "x")
            let error = await #expect(throws: AdapterError.self) { try await twoKeys.describe() }
            #expect(error?.description.contains("2 columns") == true)
            await twoKeys.close()
            let missing = try PostgresDriver(url: url, table: "nowhere", keyColumn: "id")
            let missingError = await #expect(throws: AdapterError.self) { try await missing.describe() }
            #expect(missingError?.description == "table nowhere not found in database \(database)")
            await missing.close()
            let quoted = try PostgresDriver(url: url, table: "crm.\"Mixed Case\"", keyColumn: "Key")
            let mixed = try await quoted.describe()
            #expect(mixed.keyColumn == "Key")
            #expect(mixed.columns == ["Key": .text, "v": .integer])
            await quoted.close()
        }
    }

    @Test func badURLsAndNamesAreRefused() throws {
        #expect(throws: AdapterError.self) { try PostgresDriver(url: "mysql://a@b/c", table: "t", keyColumn: "id") }
        #expect(throws: AdapterError.self) { try PostgresDriver(url: "postgres://127.0.0.1:5432/db", table: "t", keyColumn: "id") }
        #expect(throws: AdapterError.self) { try PostgresDriver(url: "postgres://u@127.0.0.1:99999/db", table: "t", keyColumn: "id") }
        #expect(throws: AdapterError.self) { try PostgresDriver(url: "postgres://u@127.0.0.1:5432", table: "t", keyColumn: "id") }
        #expect(throws: AdapterError.self) { try PostgresDriver(url: "postgres://u@h/db", table: "a.b.c", keyColumn: "id") }
        let parsed = try PostgresURL("postgresql://ad%40min:p%3Ass@[::1]:6543/my%20db?sslmode=disable")
        #expect(parsed.user == "ad@min")
        #expect(parsed.password == "p:ss")
        #expect(parsed.host == "::1")
        #expect(parsed.port == 6543)
        #expect(parsed.database == "my db")
        #expect(!parsed.description.contains("p:ss"))
        let error = #expect(throws: AdapterError.self) { try PostgresURL("postgres://u:secret@h:x/db") }
        #expect(error?.description.contains("secret") == false)
    }

    @Test func attachTwiceIsIdempotentAndCapturesOnce() async throws {
        try await withDriver(setUp: Self.customers) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            try await driver.attach(columns: Self.mapped)
            let triggers = try await server.psql(
                database: database,
                sql: "SELECT tgname FROM pg_trigger WHERE tgrelid = 'customers'::regclass AND NOT tgisinternal ORDER BY tgname;")
            #expect(triggers == "_tandem_capture\n_tandem_truncate\n")
            try await server.psql(database: database, sql: "INSERT INTO customers (id, email) VALUES (1, 'a@x');")
            let read = try await driver.changes(after: 0, limit: 100)
            #expect(read.changes.count == 1)
            // Attach again with another mapping while changes wait: they stay.
            try await driver.attach(columns: ["email"])
            #expect(try await driver.changes(after: 0, limit: 100).changes.count == 1)
        }
    }

    @Test func psqlWritesAreCapturedInOrderWithEditTimes() async throws {
        try await withDriver(setUp: Self.customers) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            let before = nowMillis()
            try await server.psql(database: database, sql: """
                INSERT INTO customers (id, email, name, vip, joined, seen, score, tags, notes)
                    VALUES (7, 'ada@example.com', 'Ada', true, '2024-02-29', '2024-03-01 10:00:00.123+02', 12.5, '{vip,"a b"}', 'n');
                UPDATE customers SET notes = 'only an unmapped column';
                UPDATE customers SET name = 'Ada L.', vip = false;
                DELETE FROM customers WHERE id = 7;
                """)
            let after = nowMillis()
            let read = try await driver.changes(after: 0, limit: 100)
            #expect(read.changes.map(\.kind) == [.insert, .update, .delete])
            #expect(read.changes.map(\.key) == ["7", "7", "7"])
            let sequences = read.changes.map(\.sequence)
            #expect(sequences == sequences.sorted() && Set(sequences).count == 3)
            let inserted = try #require(read.changes.first?.new)
            #expect(inserted["email"] == .text("ada@example.com"))
            #expect(inserted["name"] == .text("Ada"))
            #expect(inserted["vip"] == .bool(true))
            #expect(inserted["joined"] == .text("2024-02-29"))
            #expect(inserted["score"] == .double(12.5))
            #expect(inserted["tags"] == .array([.text("vip"), .text("a b")]))
            #expect(inserted["notes"] == nil)  // unmapped
            let seen = try #require(inserted["seen"])
            guard case .text(let stamp) = seen else { Issue.record("seen is \(seen)"); return }
            #expect(CanonicalTime.timestamp(stamp) == "2024-03-01T08:00:00.123Z")
            #expect(read.changes[0].old == nil)
            #expect(read.changes[1].old?["name"] == .text("Ada"))
            #expect(read.changes[1].new?["name"] == .text("Ada L."))
            #expect(read.changes[1].new?["vip"] == .bool(false))
            #expect(read.changes[2].new == nil)
            #expect(read.changes[2].old?["email"] == .text("ada@example.com"))
            for change in read.changes {
                #expect(change.editedAtMillis >= before - 1000 && change.editedAtMillis <= after + 1000)
            }
            #expect(read.pendingDeletes == 1)
            #expect(read.tableRows == 0)

            // Paging and acknowledging.
            let first = try await driver.changes(after: 0, limit: 2)
            #expect(first.changes.count == 2)
            #expect(first.pendingDeletes == 1)
            let rest = try await driver.changes(after: first.changes[1].sequence, limit: 10)
            #expect(rest.changes.map(\.kind) == [.delete])
            try await driver.acknowledge(through: sequences[2], keeping: [sequences[2]...sequences[2]])
            let kept = try await driver.changes(after: 0, limit: 10)
            #expect(kept.changes.map(\.sequence) == [sequences[2]])
            #expect(try await driver.changes(in: [sequences[2]...sequences[2]]).map(\.kind) == [.delete])
            try await driver.acknowledge(through: sequences[2], keeping: [])
            #expect(try await driver.changes(after: 0, limit: 10).changes.isEmpty)

            // A key change is a delete and an insert.
            try await server.psql(database: database, sql: """
                INSERT INTO customers (id, email) VALUES (1, 'b@x');
                UPDATE customers SET id = 2 WHERE id = 1;
                """)
            let moved = try await driver.changes(after: sequences[2], limit: 10)
            #expect(moved.changes.map(\.kind) == [.insert, .delete, .insert])
            #expect(moved.changes.map(\.key) == ["1", "1", "2"])
            #expect(moved.tableRows == 1)
        }
    }

    @Test func aTransactionThatCommitsLateIsNotSkipped() async throws {
        try await withDriver(setUp: Self.customers) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            // The slow transaction writes first (its outbox row takes the
            // lower serial) and commits after a quick one was read and
            // acknowledged. It runs on a connection of the test's own, which
            // can keep a transaction open between statements.
            let slow = try await PostgresConnection.connect(
                configuration: PostgresConnection.Configuration(
                    host: server.host, port: server.port, username: server.user, password: nil,
                    database: database, tls: .disable),
                id: 1, logger: Logger(label: "test"))
            defer { Task { try? await slow.close() } }
            try await slow.query("BEGIN", logger: Logger(label: "test"))
            try await slow.query("INSERT INTO customers (id, email) VALUES (1, 'slow@x')", logger: Logger(label: "test"))
            try await server.psql(database: database, sql: "INSERT INTO customers (id, email) VALUES (2, 'quick@x');")
            let first = try await driver.changes(after: 0, limit: 10)
            #expect(first.changes.map(\.key) == ["2"])
            let cursor = try #require(first.changes.last?.sequence)
            try await driver.acknowledge(through: cursor, keeping: [])
            try await slow.query("COMMIT", logger: Logger(label: "test"))
            let second = try await driver.changes(after: cursor, limit: 10)
            #expect(second.changes.map(\.key) == ["1"])
        }
    }

    /// The server lost its last committed transactions (a crash with
    /// `synchronous_commit` off, a failover to a replica that lagged, a
    /// restore): the transaction that gave the outbox its positions is
    /// gone, and the position sequence is back where it was, behind the
    /// cursor the node kept. Changes are still read after the cursor, and a
    /// write over a row with an unread change is still deferred.
    @Test func positionsPassTheCursorAfterTheServerLostItsLastCommits() async throws {
        try await withDriver(setUp: Self.customers) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            try await server.psql(database: database, sql: "INSERT INTO customers (id, email) VALUES (1, 'a@x'), (2, 'b@x');")
            let first = try await driver.changes(after: 0, limit: 10)
            let cursor = try #require(first.changes.last?.sequence)
            #expect(first.changes.map(\.key) == ["1", "2"])
            // As after the loss: positions unset, the sequence rewound.
            try await server.psql(database: database, sql: """
                UPDATE _tandem_outbox_customers SET pos = NULL;
                SELECT setval('_tandem_outbox_customers_pos', \(try #require(first.changes.first?.sequence)), false);
                UPDATE customers SET name = 'after the crash' WHERE id = 1;
                """)
            #expect(try await driver.apply([.update(record: "r1", key: "1", columns: ["name": .text("ours")])],
                                           capturedThrough: cursor) == [.deferred])
            let second = try await driver.changes(after: cursor, limit: 10)
            // The two changes read before come again (capture finds them
            // unchanged), then the new one.
            #expect(second.changes.map(\.key) == ["1", "2", "1"])
            #expect(second.changes.allSatisfy { $0.sequence > cursor })
            #expect(second.changes.last?.new?["name"] == .text("after the crash"))
            #expect(try await driver.apply([.update(record: "r1", key: "1", columns: ["name": .text("ours")])],
                                           capturedThrough: cursor) == [.deferred])
        }
    }

    @Test func anInsertRacingAProgramsInsertOfTheSameMatchKeyIsDeferred() async throws {
        try await withDriver(setUp: Self.customers) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            let mapping = AdapterMapping(
                name: "crm", collection: "contacts", table: "customers", keyColumn: "id",
                fields: [FieldBinding(field: "email", column: "email"), FieldBinding(field: "name", column: "name")],
                match: MatchRule(field: "email"))
            let identity = RecordIdentity(mapping: mapping, schema: try await driver.describe())
            try await server.psql(database: database, sql: "INSERT INTO customers (id, email, name) VALUES (10, ' Ann@X', 'typed here');")
            let writes: [ExternalWrite] = [
                .insert(record: "email:ann@x", key: "11", columns: ["email": .text("ann@x"), "name": .text("from a peer")]),
                .insert(record: "email:bob@x", key: "12", columns: ["email": .text("bob@x"), "name": .text("Bob")]),
            ]
            let outcomes = try await driver.apply(writes, capturedThrough: 0, identity: identity)
            #expect(outcomes.first == .deferred)
            guard case .written = outcomes.last else { Issue.record("\(outcomes)"); return }
            #expect(try await server.psql(database: database, sql: "SELECT count(*) FROM customers WHERE lower(trim(email)) = 'ann@x';")
                .trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        }
    }

    /// A program deleted the record's row and the delete is not captured
    /// yet: an insert of that record (a parity sweep, a peer's edit) waits
    /// for the capture instead of bringing the row back.
    @Test func anInsertAfterAProgramsUncapturedDeleteIsDeferred() async throws {
        try await withDriver(setUp: Self.customers) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            try await server.psql(database: database, sql: "INSERT INTO customers (id, email, name) VALUES (1, 'ann@x', 'Ann'), (2, 'bob@x', 'Bob');")
            let read = try await driver.changes(after: 0, limit: 10)
            let through = try #require(read.changes.last?.sequence)
            try await driver.map(["1": "ann", "2": "bob"])
            try await server.psql(database: database, sql: "DELETE FROM customers WHERE id = 1;")
            let writes: [ExternalWrite] = [
                .insert(record: "ann", key: nil, columns: ["email": .text("ann@x"), "name": .text("Ann")]),
                .insert(record: "cy", key: "3", columns: ["email": .text("cy@x"), "name": .text("Cy")]),
            ]
            let outcomes = try await driver.apply(writes, capturedThrough: through, identity: nil)
            #expect(outcomes.first == .deferred)
            guard case .written = outcomes.last else { Issue.record("\(outcomes)"); return }
            #expect(try await server.psql(database: database, sql: "SELECT string_agg(name, ',' ORDER BY name) FROM customers;")
                .trimmingCharacters(in: .whitespacesAndNewlines) == "Bob,Cy")
        }
    }

    @Test func waitingEndsWhenTheTaskIsCancelled() async throws {
        try await withDriver(setUp: Self.customers) { _, _, driver in
            await driver.waitForChanges(timeoutMillis: 5000)  // the listener's first connection
            let started = ContinuousClock.now
            let waiting = Task { await driver.waitForChanges(timeoutMillis: 60_000) }
            try await Task.sleep(for: .milliseconds(100))
            waiting.cancel()
            await waiting.value
            #expect(ContinuousClock.now - started < .seconds(30))  // far below the 60 s wait, generous for a busy machine
        }
    }

    @Test func appliedWritesAreNotCapturedButConcurrentPsqlWritesAre() async throws {
        try await withDriver(setUp: Self.customers) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            let writes = (1...200).map { number in
                ExternalWrite.insert(
                    record: "r\(number)", key: String(number),
                    columns: ["email": .text("c\(number)@x"), "tags": .array([.text("t")])])
            }
            async let applied = driver.apply(writes, capturedThrough: 0)
            async let external: Void = Task.detached {
                try await server.psql(database: database, sql: "INSERT INTO customers (id, email) VALUES (1000, 'ext@x');")
            }.value
            let outcomes = try await applied
            try await external
            #expect(outcomes.count == 200)
            #expect(outcomes.allSatisfy { if case .written = $0 { true } else { false } })
            _ = try await driver.apply(
                [.update(record: "r1", key: "1", columns: ["name": .text("changed")]),
                 .delete(record: "r2", key: "2")], capturedThrough: 0)
            let read = try await driver.changes(after: 0, limit: 1000)
            #expect(read.changes.map(\.key) == ["1000"])
            #expect(try await server.psql(database: database, sql: "SELECT count(*) FROM customers;").trimmed == "200")
            let records = try await driver.records(forKeys: ["1", "3", "200", "1000"])
            #expect(records == ["1": "r1", "3": "r3", "200": "r200"])

            // A row another program deletes keeps its mapping (its captured
            // delete finds the record) but no longer claims the record.
            try await server.psql(database: database, sql: "DELETE FROM customers WHERE id = 3;")
            #expect(try await driver.records(forKeys: ["3"]) == ["3": "r3"])
            #expect(try await driver.keys(forRecords: ["r3", "r4"]) == ["r4": "4"])
            // A new row of the same record maps to it (the stale mapping is released) ...
            try await server.psql(database: database, sql: "INSERT INTO customers (id, email) VALUES (3000, 'c3@x');")
            try await driver.map(["3000": "r3"])
            #expect(try await driver.keys(forRecords: ["r3"]) == ["r3": "3000"])
            #expect(try await driver.records(forKeys: ["3", "3000"]) == ["3000": "r3"])
            // ... and so does a row the sync inserts for a record whose row was deleted.
            try await server.psql(database: database, sql: "DELETE FROM customers WHERE id = 3000;")
            // (Once that delete is captured: before, the insert would wait for it.)
            _ = try await driver.changes(after: 0, limit: 1000)
            #expect(try await driver.apply([.insert(record: "r3", key: "3001", columns: ["email": .text("c3@x")])],
                                           capturedThrough: Int64.max) == [.written(key: "3001", lastValues: nil)])
            #expect(try await driver.keys(forRecords: ["r3"]) == ["r3": "3001"])
            // A record mapped to another existing row is an error.
            await #expect(throws: AdapterError.self) { try await driver.map(["5000": "r4"]) }
        }
    }

    @Test func aRefusedWriteFailsAloneAndTheOthersCommit() async throws {
        try await withDriver(setUp: Self.customers) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            let outcomes = try await driver.apply([
                .insert(record: "a", key: "1", columns: ["email": .text("a@x"), "joined": .text("2024-01-02"),
                                                          "seen": .text("2024-01-02T03:04:05.678Z"), "score": .double(0.1),
                                                          "vip": .bool(true), "tags": .array([.text("x"), .text("y\"z")])]),
                .insert(record: "b", key: "2", columns: ["email": .text("no at sign")]),
                .insert(record: "c", key: "3", columns: ["email": .text(String(repeating: "long", count: 20) + "@x")]),
                .insert(record: "d", key: nil, columns: ["email": .text("d@x"), "id": .int(4)]),
                .update(record: "e", key: "5", columns: ["email": .text("e@x")]),
                .insert(record: "f", key: "abc", columns: ["email": .text("f@x")]),
            ], capturedThrough: 0)
            #expect(outcomes.count == 6)
            #expect(outcomes[0] == .written(key: "1", lastValues: nil))
            guard case .failed(let constraint) = outcomes[1] else { Issue.record("\(outcomes[1])"); return }
            #expect(constraint.contains("customers_email_check"))
            guard case .failed(let length) = outcomes[2] else { Issue.record("\(outcomes[2])"); return }
            #expect(length.contains("too long"))
            #expect(outcomes[3] == .written(key: "4", lastValues: nil))
            // An update of a missing row writes it with its key.
            #expect(outcomes[4] == .written(key: "5", lastValues: nil))
            guard case .failed(let type) = outcomes[5] else { Issue.record("\(outcomes[5])"); return }
            #expect(type.contains("invalid input syntax"))
            let keys = try await server.psql(database: database, sql: "SELECT id FROM customers ORDER BY id;")
            #expect(keys == "1\n4\n5\n")
            #expect(try await driver.keys(forRecords: ["a", "b", "d", "e"]) == ["a": "1", "d": "4", "e": "5"])

            // Values come back in the forms the core converts.
            let rows = try await driver.rows(keys: ["1", "2"])
            let row = try #require(rows["1"])
            #expect(rows["2"] == nil)
            #expect(row.columns["joined"] == .text("2024-01-02"))
            guard case .text(let seen) = row.columns["seen"] else { Issue.record("seen"); return }
            #expect(CanonicalTime.timestamp(seen) == "2024-01-02T03:04:05.678Z")
            #expect(row.columns["score"] == .double(0.1))
            #expect(row.columns["vip"] == .bool(true))
            #expect(row.columns["tags"] == .array([.text("x"), .text("y\"z")]))
            #expect(row.columns["name"] == .null)
            #expect(row.columns["notes"] == nil)

            // A column added after the driver read the table is written too.
            try await server.psql(database: database, sql: "ALTER TABLE customers ADD COLUMN phone text;")
            #expect(try await driver.apply([.update(record: "d", key: "4", columns: ["phone": .text("123")])],
                                           capturedThrough: 0) == [.written(key: "4", lastValues: nil)])
            #expect(try await server.psql(database: database, sql: "SELECT phone FROM customers WHERE id = 4;").trimmed == "123")

            // A delete reports the row's last values and forgets its key.
            let deleted = try await driver.apply([.delete(record: "a", key: "1")], capturedThrough: 0)
            guard case .written(let key, let last) = deleted.first else { Issue.record("\(deleted)"); return }
            #expect(key == "1")
            #expect(last?["email"] == .text("a@x"))
            #expect(try await driver.records(forKeys: ["1"]).isEmpty)
        }
    }

    @Test func aWriteIsDeferredWhileTheOutboxHasANewerChangeOfItsRow() async throws {
        try await withDriver(setUp: Self.customers) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            try await server.psql(database: database, sql: "INSERT INTO customers (id, email) VALUES (1, 'a@x'), (2, 'b@x');")
            let first = try await driver.changes(after: 0, limit: 10)
            let cursor = try #require(first.changes.last?.sequence)
            try await server.psql(database: database, sql: "UPDATE customers SET name = 'external' WHERE id = 1;")
            // Committed but not yet read (no position yet): deferred.
            let outcomes = try await driver.apply([
                .update(record: "r1", key: "1", columns: ["name": .text("ours")]),
                .update(record: "r2", key: "2", columns: ["name": .text("ours")]),
                .delete(record: "r1", key: "1"),
            ], capturedThrough: cursor)
            #expect(outcomes == [.deferred, .written(key: "2", lastValues: nil), .deferred])
            // Read (positioned after the cursor): still deferred.
            let second = try await driver.changes(after: cursor, limit: 10)
            #expect(second.changes.map(\.key) == ["1"])
            let newer = try #require(second.changes.last?.sequence)
            #expect(try await driver.apply([.update(record: "r1", key: "1", columns: ["name": .text("ours")])],
                                           capturedThrough: cursor) == [.deferred])
            // Captured through it: written.
            #expect(try await driver.apply([.update(record: "r1", key: "1", columns: ["name": .text("ours")])],
                                           capturedThrough: newer) == [.written(key: "1", lastValues: nil)])
            #expect(try await server.psql(database: database, sql: "SELECT name FROM customers WHERE id = 1;").trimmed == "ours")
        }
    }

    @Test func aChunkWithOnePoisonRowWritesTheOthersAndFailsItAlone() async throws {
        try await withDriver(setUp: Self.customers) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            let writes: [ExternalWrite] = (1...60).map { index in
                .insert(record: "r\(index)", key: nil, columns: [
                    "id": .int(Int64(index)), "email": .text(index == 23 ? "no at sign" : "u\(index)@x"),
                    "name": index % 2 == 0 ? .text("n\(index)") : .null])
            }
            let outcomes = try await driver.apply(writes, capturedThrough: 0)
            #expect(outcomes.count == 60)
            for (index, outcome) in outcomes.enumerated() where index != 22 {
                #expect(outcome == .written(key: "\(index + 1)", lastValues: nil))
            }
            guard case .failed(let message) = outcomes[22] else { Issue.record("\(outcomes[22])"); return }
            #expect(message.contains("customers_email_check"))
            #expect(try await server.psql(database: database, sql: "SELECT count(*) FROM customers;").trimmed == "59")
            let keys = try await driver.keys(forRecords: (1...60).map { "r\($0)" })
            #expect(keys.count == 59)
            #expect(keys["r23"] == nil)
            #expect(keys["r42"] == "42")
            // Nothing the driver wrote was captured.
            #expect(try await driver.changes(after: 0, limit: 100).changes.isEmpty)
        }
    }

    @Test func aCleanChunkRunsAsMultiRowStatements() async throws {
        try await withDriver(setUp: Self.customers) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            try await server.psql(database: database, sql: "INSERT INTO customers (id, email, name) VALUES (1, 'a@x', 'A'), (2, 'b@x', 'B');")
            let through = try #require(try await driver.changes(after: 0, limit: 10).changes.last?.sequence)
            let outcomes = try await driver.apply([
                .update(record: "a", key: "1", columns: ["name": .null, "score": .double(0.1)]),
                .update(record: "b", key: "2", columns: ["name": .text("B2"), "score": .double(2.5)]),
                .update(record: "c", key: "3", columns: ["email": .text("c@x")]),
                .insert(record: "d", key: "4", columns: ["email": .text("d@x"), "tags": .array([.text("x")])]),
                .insert(record: "e", key: "5", columns: ["email": .text("e@x"), "tags": .array([])]),
                .delete(record: "f", key: "2"),
            ], capturedThrough: through)
            #expect(outcomes[0] == .written(key: "1", lastValues: nil))
            #expect(outcomes[1] == .written(key: "2", lastValues: nil))
            // An update of a missing row writes it with its key.
            #expect(outcomes[2] == .written(key: "3", lastValues: nil))
            #expect(outcomes[3] == .written(key: "4", lastValues: nil))
            #expect(outcomes[4] == .written(key: "5", lastValues: nil))
            guard case .written("2", let last) = outcomes[5] else { Issue.record("\(outcomes[5])"); return }
            #expect(last?["name"] == .text("B2"))
            #expect(try await server.psql(database: database, sql: """
                SELECT id || ':' || email || ':' || coalesce(name, '-') || ':' || coalesce(score::text, '-') || ':' || coalesce(tags::text, '-')
                FROM customers ORDER BY id;
                """) == "1:a@x:-:0.1:-\n3:c@x:-:-:-\n4:d@x:-:-:{x}\n5:e@x:-:-:{}\n")
            #expect(try await driver.keys(forRecords: ["c", "d", "e"]) == ["c": "3", "d": "4", "e": "5"])
            #expect(try await driver.changes(after: through, limit: 10).changes.isEmpty)
        }
    }

    @Test func snapshotPagesInKeyOrder() async throws {
        try await withDriver(setUp: Self.customers + """
            INSERT INTO customers (id, email) SELECT n, 'c' || n || '@x' FROM unnest(ARRAY[100, 3, 25, 2, 10, 1, 20, 9]) AS n;
            """
        ) { _, _, driver in
            try await driver.attach(columns: ["email"])
            var keys: [String] = []
            var after: String?
            while true {
                let page = try await driver.snapshot(after: after, limit: 3)
                #expect(page.count <= 3)
                guard let last = page.last else { break }
                keys += page.map(\.key)
                #expect(page.allSatisfy { $0.columns["email"] == .text("c\($0.key)@x") && $0.columns.count == 2 })
                after = last.key
            }
            #expect(keys == ["1", "2", "3", "9", "10", "20", "25", "100"])
        }
    }

    @Test func waitForChangesWakesOnNotify() async throws {
        try await withDriver(setUp: Self.customers) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            // The first wait returns at once: the listener just connected.
            // (Bounds here tell a wake from a timeout; they are far from
            // the figures printed, so a loaded machine does not fail them.)
            let connect = ContinuousClock.now
            await driver.waitForChanges(timeoutMillis: 120_000)
            #expect(ContinuousClock.now - connect < .seconds(60))
            // Nothing happens: the timeout passes.
            let idle = ContinuousClock.now
            await driver.waitForChanges(timeoutMillis: 200)
            let idled = ContinuousClock.now - idle
            #expect(idled >= .milliseconds(190) && idled < .seconds(60))

            var figures: [Duration] = []
            for number in 1...3 {
                let waiting = ContinuousClock.now
                let woken = Task { () -> ContinuousClock.Instant in
                    await driver.waitForChanges(timeoutMillis: 120_000)
                    return ContinuousClock.now
                }
                try await Task.sleep(for: .milliseconds(100))  // the waiter is waiting
                let committed = ContinuousClock.now
                try await server.psql(database: database, sql: "INSERT INTO customers (id, email) VALUES (\(number), 'n@x');")
                let returned = ContinuousClock.now
                let wake = await woken.value
                figures.append(wake - committed)
                // Woken by the NOTIFY, long before the 120 s timeout.
                #expect(wake - waiting < .seconds(60))
                print("waitForChanges: woke \(wake - committed) after psql started (psql itself took \(returned - committed))")
            }
            #expect(try await driver.changes(after: 0, limit: 10).changes.count == 3)
        }
    }

    @Test func reconnectsAfterARestartAndLosesNothing() async throws {
        try await PostgresServer.withServer { server in
            try await server.createDatabase("restart")
            try await server.psql(database: "restart", sql: Self.customers)
            let driver = try PostgresDriver(url: server.url(database: "restart"), table: "customers", keyColumn: "id")
            do {
                try await driver.attach(columns: Self.mapped)
                await driver.waitForChanges(timeoutMillis: 1000)  // listener connected
                try await server.psql(database: "restart", sql: "INSERT INTO customers (id, email) VALUES (1, 'a@x');")
                let before = try await driver.changes(after: 0, limit: 10)
                #expect(before.changes.map(\.key) == ["1"])

                try await server.restart()
                // Written while the driver is still disconnected.
                try await server.psql(database: "restart", sql: "INSERT INTO customers (id, email) VALUES (2, 'b@x');")
                let started = ContinuousClock.now
                let after = try await eventually { try await driver.changes(after: 0, limit: 10) }
                #expect(after.changes.map(\.key) == ["1", "2"])
                print("changes after restart: \(ContinuousClock.now - started)")

                // The listener reconnects and wakes the runner; NOTIFY works again.
                await driver.waitForChanges(timeoutMillis: 10_000)
                let waiting = ContinuousClock.now
                let woken = Task { () -> ContinuousClock.Instant in
                    await driver.waitForChanges(timeoutMillis: 120_000)
                    return ContinuousClock.now
                }
                try await Task.sleep(for: .milliseconds(100))
                try await server.psql(database: "restart", sql: "INSERT INTO customers (id, email) VALUES (3, 'c@x');")
                // Woken by the NOTIFY, long before the 120 s timeout.
                #expect(await woken.value - waiting < .seconds(60))
                let outcomes = try await eventually {
                    try await driver.apply([.update(record: "r1", key: "1", columns: ["name": .text("n")])],
                                           capturedThrough: after.changes[1].sequence + 10)
                }
                // Row 1 has no change after the cursor (row 3's is unread): written.
                #expect(outcomes == [.written(key: "1", lastValues: nil)])
            } catch {
                await driver.close()
                throw error
            }
            await driver.close()
        }
    }

    /// Without a server, operations fail with `unavailable` (not a hang, not
    /// a timeout), and waiting for changes returns. How fast is a benchmark
    /// matter, not this test's: the time limit only stops a hang.
    @Test(.timeLimit(.minutes(2)))
    func operationsFailWhileTheServerIsDown() async throws {
        // Port 1 (tcpmux): privileged, nothing listens there, and unlike a
        // port that was free a moment ago no test server can take it.
        let driver = try PostgresDriver(url: "postgres://postgres@127.0.0.1:1/none", table: "t", keyColumn: "id")
        let error = await #expect(throws: AdapterError.self) { try await driver.describe() }
        guard case .unavailable(let database, let reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(database == "none")
        #expect(reason.hasPrefix("cannot connect") && !reason.lowercased().contains("timeout"))
        // Within the backoff the next call fails too.
        await #expect(throws: AdapterError.self) { try await driver.changes(after: 0, limit: 1) }
        // Waiting without a server returns (after its timeout).
        await driver.waitForChanges(timeoutMillis: 300)
        await driver.close()
    }

    @Test func truncateIsCapturedAndADroppedColumnBreaksNoExternalWrite() async throws {
        try await withDriver(setUp: Self.customers + """
            INSERT INTO customers (id, email) VALUES (1, 'a@x'), (2, 'b@x'), (3, 'c@x');
            """
        ) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            try await server.psql(database: database, sql: "TRUNCATE customers;")
            let read = try await driver.changes(after: 0, limit: 10)
            #expect(read.changes.map(\.kind) == [.delete, .delete, .delete])
            #expect(Set(read.changes.map(\.key)) == ["1", "2", "3"])
            #expect(read.changes.first?.old?["email"] != nil)
            #expect(read.pendingDeletes == 3)
            #expect(read.tableRows == 0)
            let cursor = try #require(read.changes.last?.sequence)

            // The external application keeps working when a mapped column goes.
            try await server.psql(database: database, sql: """
                ALTER TABLE customers DROP COLUMN name;
                INSERT INTO customers (id, email) VALUES (4, 'd@x');
                UPDATE customers SET email = 'e@x' WHERE id = 4;
                """)
            let schema = try await driver.describe()
            #expect(schema.columns["name"] == nil)
            let after = try await driver.changes(after: cursor, limit: 10)
            #expect(after.changes.map(\.kind) == [.insert, .update])
            #expect(after.changes.last?.new?["email"] == .text("e@x"))
            // The dropped column is absent from the values, not null.
            #expect(after.changes.last?.new.map { $0.keys.contains("name") } == false)
            #expect(after.changes.last?.old.map { $0.keys.contains("name") } == false)
        }
    }

    @Test func aTableOfManyMappedColumnsIsCapturedWhole() async throws {
        // More than the 40 columns one jsonb_build_object call of the trigger takes.
        let columns = (1...45).map { "c\($0)" }
        let table = "CREATE TABLE wide (id int PRIMARY KEY, "
            + columns.map { "\($0) text" }.joined(separator: ", ") + ", unmapped text);"
        try await withDriver(table: "wide", setUp: table) { server, database, driver in
            try await driver.attach(columns: columns)
            try await server.psql(database: database, sql: """
                INSERT INTO wide (id, c1, c45, unmapped) VALUES (1, 'first', 'last', 'u');
                UPDATE wide SET c41 = 'x', c2 = NULL;
                """)
            let read = try await driver.changes(after: 0, limit: 10)
            #expect(read.changes.map(\.kind) == [.insert, .update])
            let inserted = try #require(read.changes.first?.new)
            #expect(inserted.count == 46)
            #expect(inserted["id"] == .int(1))
            #expect(inserted["c1"] == .text("first"))
            #expect(inserted["c45"] == .text("last"))
            #expect(inserted["c2"] == .null)
            #expect(inserted["unmapped"] == nil)
            #expect(read.changes.last?.new?["c41"] == .text("x"))
            #expect(read.changes.last?.old?["c41"] == .null)
        }
    }

    @Test func detachRemovesEverything() async throws {
        try await withDriver(setUp: Self.customers) { server, database, driver in
            try await driver.attach(columns: Self.mapped)
            try await server.psql(database: database, sql: "INSERT INTO customers (id, email) VALUES (1, 'a@x');")
            try await driver.map(["1": "r1"])
            let before = try #require(try await driver.changes(after: 0, limit: 10).changes.last?.sequence)
            try await driver.detach()
            let objects = try await server.psql(database: database, sql: """
                SELECT relname FROM pg_class WHERE relname LIKE '\\_tandem%'
                UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE '\\_tandem%'
                UNION ALL SELECT tgname FROM pg_trigger WHERE tgname LIKE '\\_tandem%';
                """)
            #expect(objects.trimmed == "")
            try await server.psql(database: database, sql: "UPDATE customers SET name = 'still works';")
            try await driver.detach()  // idempotent

            // Attached anew, positions still pass a cursor kept from before.
            try await driver.attach(columns: Self.mapped)
            try await server.psql(database: database, sql: "INSERT INTO customers (id, email) VALUES (2, 'b@x');")
            let read = try await driver.changes(after: 0, limit: 10)
            let position = try #require(read.changes.first?.sequence)
            #expect(position > before)
            #expect(position > nowMillis() * 1000 - 3_600_000_000)
        }
    }
}
