import NIOCore
import TandemCore
import TandemStore

/// The PostgreSQL schema of a node's state, as versioned migrations. A
/// migration never changes once shipped; a new format adds a new one. The
/// identifiers applied are rows of `tandem_migration` in the node's schema;
/// a schema carrying one this build does not know is refused as "newer
/// format", and a schema holding tables but no `tandem_migration` as "not
/// Tandem's". Every migration runs in the opening transaction, so a crash
/// (of the node or the server) while one runs leaves the schema as it was.
///
/// The tables are `SQLiteStore`'s as of its migration v3 (vector ranges in
/// rows, audit indexed by time), with strings as UTF-8 `bytea`.
enum PostgresSchema {
    struct Migration {
        var identifier: String
        var statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(identifier: "v1-replica-state", statements: [
            """
            CREATE TABLE node_meta (
                id integer PRIMARY KEY CHECK (id = 1),
                node bytea NOT NULL,
                clock bigint NOT NULL,
                created_at bigint NOT NULL
            )
            """,
            "CREATE TABLE node (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, key bytea NOT NULL UNIQUE)",
            "CREATE TABLE collection (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name bytea NOT NULL UNIQUE)",
            """
            CREATE TABLE context (
                collection_id bigint NOT NULL REFERENCES collection(id),
                node_id bigint NOT NULL REFERENCES node(id),
                prefix bigint NOT NULL,
                cloud bytea NOT NULL,
                PRIMARY KEY (collection_id, node_id)
            )
            """,
            // One row per dot: presence (kind 0), field write (1), set element (2).
            """
            CREATE TABLE entry (
                collection_id bigint NOT NULL REFERENCES collection(id),
                record bytea NOT NULL,
                node_id bigint NOT NULL REFERENCES node(id),
                counter bigint NOT NULL,
                kind bigint NOT NULL,
                name bytea,
                element bytea,
                timestamp bigint,
                value bytea,
                PRIMARY KEY (collection_id, record, node_id, counter)
            )
            """,
            "CREATE UNIQUE INDEX entry_by_dot ON entry (collection_id, node_id, counter)",
            """
            CREATE TABLE record_leaf (
                collection_id bigint NOT NULL REFERENCES collection(id),
                record bytea NOT NULL,
                leaf bigint NOT NULL,
                PRIMARY KEY (collection_id, record)
            )
            """,
            "CREATE INDEX record_leaf_by_leaf ON record_leaf (collection_id, leaf)",
            """
            CREATE TABLE leaf_digest (
                collection_id bigint NOT NULL REFERENCES collection(id),
                leaf bigint NOT NULL,
                count bigint NOT NULL,
                digest bigint NOT NULL,
                PRIMARY KEY (collection_id, leaf)
            )
            """,
            """
            CREATE TABLE batch (
                origin_id bigint NOT NULL REFERENCES node(id),
                sequence bigint NOT NULL,
                collection bytea NOT NULL,
                payload bytea NOT NULL,
                signature bytea NOT NULL,
                committed_at bigint NOT NULL,
                PRIMARY KEY (origin_id, sequence)
            )
            """,
            "CREATE INDEX batch_by_time ON batch (committed_at)",
            """
            CREATE TABLE vector (
                owner text NOT NULL,
                origin_id bigint NOT NULL REFERENCES node(id),
                prefix bigint NOT NULL,
                PRIMARY KEY (owner, origin_id)
            )
            """,
            """
            CREATE TABLE vector_range (
                owner text NOT NULL,
                origin_id bigint NOT NULL REFERENCES node(id),
                lower bigint NOT NULL,
                upper bigint NOT NULL,
                PRIMARY KEY (owner, origin_id, lower)
            )
            """,
            """
            CREATE TABLE audit (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at bigint NOT NULL,
                kind text NOT NULL,
                collection bytea,
                record bytea,
                node bytea,
                detail bytea NOT NULL
            )
            """,
            "CREATE INDEX audit_by_time ON audit (at)",
            "CREATE TABLE adapter_cursor (adapter bytea PRIMARY KEY, cursor bytea NOT NULL)",
            """
            CREATE TABLE external_key (
                adapter bytea NOT NULL,
                collection bytea NOT NULL,
                external_key bytea NOT NULL,
                record bytea NOT NULL,
                PRIMARY KEY (adapter, collection, external_key)
            )
            """,
            "CREATE INDEX external_key_by_record ON external_key (collection, record)",
        ]),
    ]

    /// Creates the schema if needed, checks it is a Tandem schema of a known
    /// format that belongs to `node`, and applies the migrations it lacks:
    /// all inside the caller's transaction.
    ///
    /// With `create` false (a read-only reader) nothing is written: a schema
    /// without a store, or lacking a migration, is refused.
    static func prepare(_ rows: inout PostgresRows, schema: String, node: NodeID, now: UInt64, create: Bool) throws(StoreError) {
        let label = rows.label
        let link = rows.link
        let tables = try link.query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1", [.text(schema)])
        var names: Set<String> = []
        for row in tables { names.insert(try rows.decode(row, String.self, table: "information_schema.tables")) }
        if !names.isEmpty && !names.contains("tandem_migration") {
            throw StoreError.notATandemDatabase(
                path: label, detail: "schema \(schema) holds \(names.count) tables and no tandem_migration table")
        }
        if !create {
            guard names.contains("tandem_migration"), names.contains("node_meta") else {
                throw StoreError.cannotOpen(path: label, detail: "no Tandem store in schema \(schema): has the node run yet?")
            }
        }
        if create { try link.execute("CREATE SCHEMA IF NOT EXISTS \"\(schema)\"") }
        if create { try link.execute("CREATE TABLE IF NOT EXISTS tandem_migration (id text PRIMARY KEY, applied_at bigint NOT NULL)") }
        var applied: Set<String> = []
        for row in try link.query("SELECT id FROM tandem_migration") {
            applied.insert(try rows.decode(row, String.self, table: "tandem_migration"))
        }
        let known = Set(migrations.map(\.identifier))
        let unknown = applied.subtracting(known).sorted()
        if !unknown.isEmpty { throw StoreError.newerFormat(path: label, unknownMigrations: unknown) }
        if !create, let missing = migrations.first(where: { !applied.contains($0.identifier) }) {
            throw StoreError.cannotOpen(
                path: label, detail: "the store lacks format step \(missing.identifier); let the node open it first")
        }
        for migration in migrations where !applied.contains(migration.identifier) {
            for statement in migration.statements { try link.execute(statement) }
            try link.execute(
                "INSERT INTO tandem_migration (id, applied_at) VALUES ($1, $2)",
                [.text(migration.identifier), .int(Int64(bitPattern: now))])
        }
        if let row = try link.query("SELECT node FROM node_meta WHERE id = 1").first {
            let bytes = PostgresRows.bytes(try rows.decode(row, ByteBuffer.self, table: "node_meta"))
            guard let stored = try? NodeID(bytes: bytes) else {
                throw StoreError.malformedRow(path: label, table: "node_meta", detail: "the node is not a 32-byte key")
            }
            if stored != node { throw StoreError.wrongNode(path: label, stored: stored, opening: node) }
        } else if !create {
            throw StoreError.cannotOpen(path: label, detail: "the store in schema \(schema) has no node yet")
        } else {
            try link.execute(
                "INSERT INTO node_meta (id, node, clock, created_at) VALUES (1, $1, 0, $2)",
                [.bytes(node.bytes), .int(Int64(bitPattern: now))])
        }
    }
}
