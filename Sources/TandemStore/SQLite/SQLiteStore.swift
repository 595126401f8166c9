// SQLiteStore: the type, opening, inspection and closing, and the read and write transaction helpers.
import CSQLiteConfig
import Foundation
import GRDB
public import TandemCore

/// The embedded `ReplicaStore`: one SQLite database file, `tandem.sqlite`,
/// in the node's data directory, through GRDB.
///
/// - WAL mode with `synchronous = FULL`: a commit that returned survives a
///   process kill and a power cut.
/// - The schema is created and upgraded by migrations (`SQLiteSchema`).
/// - Opening refuses, with a message naming the file and the cause, a file
///   that is not Tandem's, a file from a newer format, and a file that
///   belongs to another node; it never writes to a file it does not
///   understand (except that SQLite rolls back a transaction a killed
///   process left in a rollback journal, as any SQLite client does on
///   open, restoring the file's last committed state).
/// - Only the causal contexts and batch vectors are read whole; records are
///   read one at a time, when a delta touches them, so a store of millions
///   of records opens in milliseconds and stays small in memory.
public final class SQLiteStore: ReplicaStore {
    /// Tuning an operator may set.
    public struct Options: Sendable {
        /// Upper bound on the database size in pages (`PRAGMA
        /// max_page_count`); nil for SQLite's default. A full database
        /// behaves as a full disk.
        public var maxPageCount: Int?
        /// How long a writer waits for a lock held by another connection.
        public var busyTimeoutSeconds: Double

        public init(maxPageCount: Int? = nil, busyTimeoutSeconds: Double = 5) {
            self.maxPageCount = maxPageCount
            self.busyTimeoutSeconds = busyTimeoutSeconds
        }
    }

    /// The database file's name inside the data directory.
    public static let fileName = "tandem.sqlite"
    /// The writer connection's page cache, in KiB (readers keep SQLite's default).
    static let writerCacheKiB = 64 * 1024
    /// WAL pages after which a commit checkpoints (`PRAGMA wal_autocheckpoint`).
    static let walCheckpointPages = 10_000

    /// The database file.
    public let path: String
    /// The node the store belongs to.
    public let node: NodeID
    private let pool: DatabasePool

    /// Opens (creating if needed) the store in `directory` for `node`.
    ///
    /// - Throws: `StoreError` naming the file and the cause; nothing is
    ///   written to a file that is refused.
    public init(directory: String, node: NodeID, options: Options = Options(), now: UInt64) throws(StoreError) {
        _ = Self.processSetup
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        self.path = path
        self.node = node
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.cannotOpen(path: directory, detail: "cannot create the data directory: \(error.localizedDescription)")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw StoreError.readOnly(path: directory, detail: "the data directory is not writable")
        }
        if FileManager.default.fileExists(atPath: path) {
            try Self.inspectExisting(path: path, node: node)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeoutSeconds)
        let maxPageCount = options.maxPageCount
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if let maxPageCount { try db.execute(sql: "PRAGMA max_page_count = \(maxPageCount)") }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw Self.storeError(error, path: path)
        }
        do {
            // GRDB's pool sets `synchronous = NORMAL` when it turns WAL on,
            // after `prepareDatabase` ran: restore FULL on the writer.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // The writer's page cache holds the pages a commit touches at
                // random (the leaf digests, the record-by-leaf index): with
                // SQLite's default of 2 MiB a commit of 1,000 new records
                // spilled dirty pages mid-transaction and re-read them.
                try db.execute(sql: "PRAGMA cache_size = \(-Self.writerCacheKiB)")
                // Checkpoint every 10,000 WAL pages instead of 1,000: a
                // 1,000-record commit writes more than 1,000 pages, so the
                // default copied every commit's pages (the same hot pages
                // again and again) back into the database file, with its
                // own sync, after each commit.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.walCheckpointPages)")
            }
            // Claim a new (empty) file as Tandem's before migrating: GRDB
            // creates its `grdb_migrations` table in a transaction of its
            // own, so a process killed before the first migration commits
            // would otherwise leave a file that looks like another
            // application's, and is refused at every later open.
            try pool.write { db in
                if try Int32.fetchOne(db, sql: "PRAGMA application_id") == 0 {
                    try db.execute(sql: "PRAGMA application_id = \(SQLiteSchema.applicationID)")
                }
            }
            try SQLiteSchema.migrator.migrate(pool)
            try pool.write { db in
                if let stored = try Data.fetchOne(db, sql: "SELECT node FROM node_meta WHERE id = 1") {
                    let storedNode = try NodeID(bytes: [UInt8](stored))
                    if storedNode != node { throw StoreError.wrongNode(path: path, stored: storedNode, opening: node) }
                } else {
                    try db.execute(
                        sql: "INSERT INTO node_meta (id, node, clock, created_at) VALUES (1, ?, 0, ?)",
                        arguments: [Data(node.bytes), Int64(bitPattern: now)])
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    /// Runs once, before the process's first `SQLiteStore` opens a
    /// connection: turns off SQLite's memory statistics, whose process-wide
    /// allocation mutex the connections of different threads (a node's
    /// writer and readers, or two nodes in one process) otherwise contend
    /// for on every allocation SQLite makes (Debian's SQLite is built without
    /// lookaside, so that is several per statement). If SQLite is already
    /// initialized (the process used it before), this changes nothing.
    private static let processSetup: Void = {
        _ = tandem_sqlite_disable_memstatus()
    }()

    /// Checks, read-only, that an existing file is a Tandem database of a
    /// format this build understands, and that it belongs to `node`
    /// (before opening it for writing, which would touch the file).
    private static func inspectExisting(path: String, node: NodeID) throws(StoreError) {
        do {
            do {
                try inspect(path: path, node: node)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_READONLY_ROLLBACK {
                // A process was killed inside a write transaction of a
                // rollback journal (as when GRDB turns a new file to WAL), and
                // a read-only connection cannot roll the journal back. Let a
                // read-write connection do it, as any SQLite client does on
                // open (it restores the last committed state), then look again.
                let queue = try DatabaseQueue(path: path)
                try queue.read { db in _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
                try queue.close()
                try inspect(path: path, node: node)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw storeError(error, path: path)
        }
    }

    /// The read-only checks of `inspectExisting`.
    private static func inspect(path: String, node: NodeID) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        try queue.read { db in
            let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
            if applicationID != SQLiteSchema.applicationID {
                if applicationID != 0 || tables > 0 {
                    throw StoreError.notATandemDatabase(
                        path: path, detail: "application id \(applicationID), \(tables) schema objects")
                }
                return  // an empty SQLite file: safe to initialise
            }
            let migrator = SQLiteSchema.migrator
            if try migrator.hasBeenSuperseded(db) {
                let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
                throw StoreError.newerFormat(path: path, unknownMigrations: unknown)
            }
            if try db.tableExists("node_meta"),
               let stored = try Data.fetchOne(db, sql: "SELECT node FROM node_meta WHERE id = 1") {
                let storedNode = try NodeID(bytes: [UInt8](stored))
                if storedNode != node { throw StoreError.wrongNode(path: path, stored: storedNode, opening: node) }
            }
        }
    }

    /// Closes the database; later calls fail.
    public func close() throws(StoreError) {
        do { try pool.close() } catch { throw Self.storeError(error, path: path) }
    }

    /// The value of `PRAGMA name` on the writer connection, for tests of
    /// the connection's settings.
    func writerPragma(_ name: String) throws(StoreError) -> String? {
        do {
            return try pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    // MARK: Internals

    /// The owner names of the batch vectors the store keeps.
    enum VectorOwner {
        static let held = "held"
        static let compacted = "compacted"
        static func peer(_ node: NodeID) -> String { "peer:" + node.hex }
    }

    /// Runs `body` in a write transaction: all of it commits, or none.
    func write<T>(_ body: (inout SQLiteRows) throws -> T) throws(StoreError) -> T {
        try mappingErrors { try pool.write { db in try withRows(db, body) } }
    }

    /// Runs `body` on a read snapshot of committed state.
    func read<T>(_ body: (inout SQLiteRows) throws -> T) throws(StoreError) -> T {
        try mappingErrors { try pool.read { db in try withRows(db, body) } }
    }

    private func withRows<T>(_ db: Database, _ body: (inout SQLiteRows) throws -> T) throws -> T {
        var rows = SQLiteRows(db: db, path: path)
        return try body(&rows)
    }

    /// Runs `work`, turning any error into a `StoreError` naming this file.
    private func mappingErrors<T>(_ work: () throws -> T) throws(StoreError) -> T {
        do { return try work() } catch { throw Self.storeError(error, path: path) }
    }

    /// Maps a GRDB or SQLite error to a `StoreError` naming `path`.
    static func storeError(_ error: any Error, path: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? DatabaseError else {
            return .database(path: path, detail: "\(error)")
        }
        let detail = error.message ?? "\(error.resultCode)"
        switch error.resultCode.primaryResultCode {
        case .SQLITE_FULL: return .diskFull(path: path)
        case .SQLITE_READONLY, .SQLITE_PERM: return .readOnly(path: path, detail: detail)
        case .SQLITE_CANTOPEN: return .cannotOpen(path: path, detail: detail)
        case .SQLITE_NOTADB: return .notATandemDatabase(path: path, detail: "not an SQLite database")
        case .SQLITE_CORRUPT: return .corrupt(path: path, detail: detail)
        default: return .database(path: path, detail: detail)
        }
    }
}
