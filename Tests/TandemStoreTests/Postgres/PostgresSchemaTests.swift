import Foundation
import Testing
import TandemCore
import TandemPostgresStore
import TandemStore
import TandemTestSupport

/// What the PostgreSQL store does with its schema: several nodes side by
/// side in one database, and refusals (another node's schema, foreign
/// tables, a newer format, a schema in use) that leave the schema untouched.
@Suite(.ownThread) struct PostgresSchemaTests {
    @Test func twoNodesKeepTheirStateInTwoSchemasOfOneDatabase() async throws {
        let first = try await SharedPostgres.freshSchema()
        let second = try await SharedPostgres.freshSchema()
        defer {
            SharedPostgres.drop(first)
            SharedPostgres.drop(second)
        }
        let a = try PostgresStore(url: first.url, environment: [:], node: Nodes.local, now: 0)
        defer { a.close() }
        let b = try PostgresStore(url: second.url, environment: [:], node: Nodes.b, now: 0)
        defer { b.close() }
        try a.commitChange(records: ["r1"], clock: stamp(1)) { try $0.set("name", to: .string("Ann"), in: "r1", by: Nodes.local, at: stamp(1)) }
        try b.commitChange(records: ["r2"], clock: stamp(2)) { try $0.set("name", to: .string("Bob"), in: "r2", by: Nodes.b, at: stamp(2)) }
        #expect(try a.allRecords("people").keys.sorted() == ["r1"])
        #expect(try b.allRecords("people").keys.sorted() == ["r2"])
        #expect(try a.summary().batches.nextSequence(for: Nodes.local) == 2)
        #expect(try b.summary().batches.nextSequence(for: Nodes.local) == 1)
        let tables = try await first.server.psql(
            sql: "SELECT count(*) FROM information_schema.tables WHERE table_schema IN ('\(first.name)', '\(second.name)');")
        #expect(tables.trimmingCharacters(in: .whitespacesAndNewlines) == "28", "14 tables in each schema")
    }

    @Test func reopeningKeepsEverythingAndAnotherNodeIsRefused() async throws {
        let schema = try await SharedPostgres.freshSchema()
        defer { SharedPostgres.drop(schema) }
        do {
            let store = try PostgresStore(url: schema.url, environment: [:], node: Nodes.local, now: 0)
            defer { store.close() }
            try store.commitChange(records: ["r1"], clock: stamp(5)) { try $0.set("name", to: .int(1), in: "r1", by: Nodes.local, at: stamp(5)) }
        }
        let reopened = try PostgresStore(url: schema.url, environment: [:], node: Nodes.local, now: 0)
        #expect(try reopened.summary().clock == stamp(5))
        #expect(try reopened.record("people", "r1")?.fields["name"]?.value == .int(1))
        reopened.close()
        #expect {
            try PostgresStore(url: schema.url, environment: [:], node: Nodes.b, now: 0)
        } throws: { error in
            guard case StoreError.wrongNode(_, let stored, let opening) = error else { return false }
            return stored == Nodes.local && opening == Nodes.b
        }
    }

    @Test func aSchemaWithForeignTablesIsRefusedAndLeftAlone() async throws {
        let schema = try await SharedPostgres.freshSchema()
        defer { SharedPostgres.drop(schema) }
        try await schema.server.psql(sql: "CREATE SCHEMA \(schema.name); CREATE TABLE \(schema.name).invoices (id int); INSERT INTO \(schema.name).invoices VALUES (7);")
        #expect {
            try PostgresStore(url: schema.url, environment: [:], node: Nodes.local, now: 0)
        } throws: { error in
            guard case StoreError.notATandemDatabase = error else { return false }
            return "\(error)".contains(schema.name)
        }
        let tables = try await schema.server.psql(
            sql: "SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE table_schema = '\(schema.name)';")
        #expect(tables.trimmingCharacters(in: .whitespacesAndNewlines) == "invoices")
    }

    @Test func aSchemaFromANewerFormatIsRefused() async throws {
        let schema = try await SharedPostgres.freshSchema()
        defer { SharedPostgres.drop(schema) }
        do {
            let store = try PostgresStore(url: schema.url, environment: [:], node: Nodes.local, now: 0)
            store.close()
        }
        try await schema.server.psql(sql: "INSERT INTO \(schema.name).tandem_migration VALUES ('v9-from-the-future', 0);")
        #expect {
            try PostgresStore(url: schema.url, environment: [:], node: Nodes.local, now: 0)
        } throws: { error in
            guard case StoreError.newerFormat(_, let unknown) = error else { return false }
            return unknown == ["v9-from-the-future"]
        }
    }

    @Test func aSecondProcessOnTheSameSchemaWaitsThenIsRefused() async throws {
        let schema = try await SharedPostgres.freshSchema()
        defer { SharedPostgres.drop(schema) }
        // The second open waits a second for the lock: off the concurrency pool.
        try await onOwnThread {
            let first = try PostgresStore(url: schema.url, environment: [:], node: Nodes.local, now: 0)
            #expect {
                try PostgresStore(
                    url: schema.url, environment: [:], node: Nodes.local, options: PostgresStore.Options(lockWaitSeconds: 1), now: 0)
            } throws: { error in
                guard case StoreError.unavailable(let detail) = error else { return false }
                return detail.contains("in use by another Tandem process")
            }
            first.close()
            // Once the first has closed, the schema opens again.
            let second = try PostgresStore(url: schema.url, environment: [:], node: Nodes.local, now: 0)
            second.close()
        }
    }
}
