import Foundation
import GRDB
import TandemCore

/// The SQLite schema, as GRDB migrations. A migration never changes once
/// shipped; a new format adds a new migration, and a file carrying a
/// migration this build does not know is refused as "newer format".
enum SQLiteSchema {
    /// `PRAGMA application_id` of every Tandem database: "TNDM".
    static let applicationID: Int32 = 0x544E_444D

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-replica-state") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(sql: """
                CREATE TABLE node_meta (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    node BLOB NOT NULL,
                    clock INTEGER NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE node (
                    id INTEGER PRIMARY KEY,
                    key BLOB NOT NULL UNIQUE
                );
                CREATE TABLE collection (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE
                );
                -- Causal context: per collection and node, a prefix and cloud ranges.
                CREATE TABLE context (
                    collection_id INTEGER NOT NULL REFERENCES collection(id),
                    node_id INTEGER NOT NULL REFERENCES node(id),
                    prefix INTEGER NOT NULL,
                    cloud BLOB NOT NULL,
                    PRIMARY KEY (collection_id, node_id)
                ) WITHOUT ROWID;
                -- One row per dot: presence (kind 0), field write (1), set element (2).
                -- Clustered by record, so reading a record is one range scan; the
                -- unique index finds the record holding a dot.
                CREATE TABLE entry (
                    collection_id INTEGER NOT NULL REFERENCES collection(id),
                    record TEXT NOT NULL,
                    node_id INTEGER NOT NULL REFERENCES node(id),
                    counter INTEGER NOT NULL,
                    kind INTEGER NOT NULL,
                    name TEXT,
                    element BLOB,
                    timestamp INTEGER,
                    value BLOB,
                    PRIMARY KEY (collection_id, record, node_id, counter)
                ) WITHOUT ROWID;
                CREATE UNIQUE INDEX entry_by_dot ON entry(collection_id, node_id, counter);
                -- Reconciliation digests: each record's leaf bucket (top 16 bits of
                -- its id hash), and per leaf the record count and the wrapping
                -- sum of record digests, kept up to date by every record write.
                CREATE TABLE record_leaf (
                    collection_id INTEGER NOT NULL REFERENCES collection(id),
                    record TEXT NOT NULL,
                    leaf INTEGER NOT NULL,
                    PRIMARY KEY (collection_id, record)
                ) WITHOUT ROWID;
                CREATE INDEX record_leaf_by_leaf ON record_leaf(collection_id, leaf);
                CREATE TABLE leaf_digest (
                    collection_id INTEGER NOT NULL REFERENCES collection(id),
                    leaf INTEGER NOT NULL,
                    count INTEGER NOT NULL,
                    digest INTEGER NOT NULL,
                    PRIMARY KEY (collection_id, leaf)
                ) WITHOUT ROWID;
                -- The signed delta log, by origin and sequence.
                CREATE TABLE batch (
                    origin_id INTEGER NOT NULL REFERENCES node(id),
                    sequence INTEGER NOT NULL,
                    collection TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    signature BLOB NOT NULL,
                    committed_at INTEGER NOT NULL,
                    PRIMARY KEY (origin_id, sequence)
                ) WITHOUT ROWID;
                CREATE INDEX batch_by_time ON batch(committed_at);
                -- Batch vectors: held, compacted, and each peer's acknowledgements.
                CREATE TABLE vector (
                    owner TEXT NOT NULL,
                    origin_id INTEGER NOT NULL REFERENCES node(id),
                    prefix INTEGER NOT NULL,
                    cloud BLOB NOT NULL,
                    PRIMARY KEY (owner, origin_id)
                ) WITHOUT ROWID;
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    collection TEXT,
                    record TEXT,
                    node BLOB,
                    detail TEXT NOT NULL
                );
                CREATE TABLE adapter_cursor (
                    adapter TEXT PRIMARY KEY,
                    cursor BLOB NOT NULL
                );
                CREATE TABLE external_key (
                    adapter TEXT NOT NULL,
                    collection TEXT NOT NULL,
                    external_key TEXT NOT NULL,
                    record TEXT NOT NULL,
                    PRIMARY KEY (adapter, collection, external_key)
                ) WITHOUT ROWID;
                CREATE INDEX external_key_by_record ON external_key(collection, record);
                """)
        }
        migrator.registerMigration("v2-vector-ranges", migrate: moveVectorCloudsToRanges)
        // v3: audit events by time, for retention's DELETE (`pruneAudit(before:)`).
        migrator.registerMigration("v3-audit-by-time") { db in
            try db.execute(sql: "CREATE INDEX audit_by_time ON audit(at)")
        }
        return migrator
    }

    /// v2: a batch vector's ranges above its prefix move from the `cloud`
    /// blob of its `vector` row (rewritten whole on every change, so a
    /// vector with many gaps made every commit slower) to one
    /// `vector_range` row each, which a commit updates by key. `cloud` is
    /// empty from then on. Bounds are stored offset by 2^63
    /// (`SQLiteRows.stored(_:)`), so that integer order is sequence order.
    private static func moveVectorCloudsToRanges(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE vector_range (
                owner TEXT NOT NULL,
                origin_id INTEGER NOT NULL REFERENCES node(id),
                lower INTEGER NOT NULL,
                upper INTEGER NOT NULL,
                PRIMARY KEY (owner, origin_id, lower)
            ) WITHOUT ROWID;
            """)
        let rows = try Row.fetchAll(db, sql: "SELECT owner, origin_id, prefix, cloud FROM vector WHERE length(cloud) > 0")
        for row in rows {
            let owner: String = row[0]
            let originRow: Int64 = row[1]
            let prefix: Int64 = row[2]
            let cloud: Data = row[3]
            let dots: CausalContext.NodeDots
            do {
                dots = try CausalContext.NodeDots(prefix: UInt64(bitPattern: prefix), cloudBytes: [UInt8](cloud))
            } catch {
                throw DatabaseError(
                    resultCode: .SQLITE_CORRUPT, message: "vector row of \(owner), origin row \(originRow): \(error)")
            }
            for range in dots.cloud {
                try db.execute(
                    sql: "INSERT INTO vector_range (owner, origin_id, lower, upper) VALUES (?, ?, ?, ?)",
                    arguments: [owner, originRow, SQLiteRows.stored(range.lowerBound), SQLiteRows.stored(range.upperBound)])
            }
            try db.execute(
                sql: "UPDATE vector SET prefix = ?, cloud = X'' WHERE owner = ? AND origin_id = ?",
                arguments: [Int64(bitPattern: dots.prefix), owner, originRow])
        }
    }
}
