import CSQLiteConfig
import Foundation
import GRDB
import TandemCore

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
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
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

    // MARK: ReplicaStore

    public func summary() throws(StoreError) -> StoreSummary {
        try read { rows in
            let clock = try rows.run { try Int64.fetchOne(rows.db, sql: "SELECT clock FROM node_meta WHERE id = 1") } ?? 0
            return StoreSummary(
                node: node,
                batches: try rows.readVector(owner: VectorOwner.held),
                compacted: try rows.readVector(owner: VectorOwner.compacted),
                clock: HLCTimestamp(rawValue: UInt64(bitPattern: clock)))
        }
    }

    public func workingSet(_ collection: String, records ids: [String]) throws(StoreError) -> RecordCollection {
        try read { rows in
            let context = try rows.context(of: collection)
            // Rows hold ids in normal form C, as the core does, and SQLite
            // compares them by bytes: look up that spelling (`Identifier`).
            let spelled = Set(ids.map(Identifier.normalized))
            return RecordCollection(trusted: try rows.records(spelled, in: collection), context: context)
        }
    }

    public func commitLocal(
        _ change: LocalChange, sign: (_ signingBytes: [UInt8]) -> [UInt8], now: UInt64
    ) throws(StoreError) -> DeltaBatch {
        try write { rows in
            var batch = DeltaBatch(
                origin: node, sequence: try rows.nextSequence(owner: VectorOwner.held, origin: node),
                collection: change.collection, payload: change.payload)
            batch.signature = sign(batch.signingBytes)
            let report = try DeltaApplier.apply(change.delta, to: change.collection, rows: &rows)
            try append(batch, at: now, rows: &rows)
            try advanceClock(change.clock, rows: rows)
            let summary = AuditEvent(
                at: now, kind: .localCommit, collection: change.collection, node: node,
                detail: "batch \(batch.sequence): \(change.delta.registerEntryCount) field writes, records \(report.changedRecords.count)")
            try insertAudit(change.audit + report.conflictEvents(collection: change.collection, at: now) + [summary], rows: rows)
            if let cursor = change.cursor {
                try rows.run {
                    try rows.db.execute(
                        sql: "INSERT OR REPLACE INTO adapter_cursor (adapter, cursor) VALUES (CAST(? AS TEXT), ?)",
                        arguments: [SQLText(cursor.adapter), Data(cursor.cursor)])
                }
            }
            for mapping in change.keyMappings {
                try rows.run {
                    try rows.db.execute(
                        sql: """
                            INSERT OR REPLACE INTO external_key (adapter, collection, external_key, record)
                            VALUES (CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT))
                            """,
                        arguments: [
                            SQLText(mapping.adapter), SQLText(mapping.collection), SQLText(mapping.externalKey),
                            SQLText(mapping.record),
                        ])
                }
            }
            return batch
        }
    }

    public func commitRemote(
        _ batch: DeltaBatch, delta: RecordCollection, clock: HLCTimestamp, audit: [AuditEvent], now: UInt64
    ) throws(StoreError) -> RemoteCommitOutcome {
        try write { rows in
            let outcome = try applyRemote(batch, delta: delta, audit: audit, now: now, rows: &rows)
            if outcome.isApplied { try advanceClock(clock, rows: rows) }
            return outcome
        }
    }

    /// All in one transaction: one sync to disk for the lot.
    public func commitRemote(
        _ batches: [RemoteBatch], clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> [RemoteCommitOutcome] {
        try write { rows in
            var outcomes: [RemoteCommitOutcome] = []
            for remote in batches {
                outcomes.append(try applyRemote(remote.batch, delta: remote.delta, audit: [], now: now, rows: &rows))
            }
            // A duplicate or a refusal changes nothing, not even the clock.
            if outcomes.contains(where: \.isApplied) { try advanceClock(clock, rows: rows) }
            return outcomes
        }
    }

    /// Applies one remote batch inside a write transaction, unless the held
    /// vector (as of this point in the transaction) has it.
    private func applyRemote(
        _ batch: DeltaBatch, delta: RecordCollection, audit: [AuditEvent], now: UInt64, rows: inout SQLiteRows
    ) throws -> RemoteCommitOutcome {
        if try rows.vectorContains(owner: VectorOwner.held, origin: batch.origin, sequence: batch.sequence) {
            return .duplicate
        }
        let outcome = try DeltaApplier.applyRemote(delta, of: batch, receiver: node, rows: &rows)
        guard case .applied(let report) = outcome else { return outcome }
        try append(batch, at: now, rows: &rows)
        let summary = AuditEvent(
            at: now, kind: .remoteApply, collection: batch.collection, node: batch.origin,
            detail: "batch \(batch.sequence): records \(report.changedRecords.count)")
        try insertAudit(audit + report.conflictEvents(collection: batch.collection, at: now) + [summary], rows: rows)
        return .applied(report)
    }

    public func record(_ collection: String, _ id: String) throws(StoreError) -> RecordStore? {
        try read { rows in
            guard let collectionID = try rows.collectionRowID(collection, create: false) else { return nil }
            return try rows.record(Identifier.normalized(id), collectionID: collectionID)
        }
    }

    public func records(_ collection: String, after: String?, limit: Int) throws(StoreError) -> [(id: String, store: RecordStore)] {
        try read { rows in
            guard let collectionID = try rows.collectionRowID(collection, create: false) else { return [] }
            let ids = try rows.run {
                try Data.fetchAll(
                    rows.db,
                    sql: """
                        SELECT DISTINCT record FROM entry WHERE collection_id = ? AND record > CAST(? AS TEXT)
                        ORDER BY record LIMIT ?
                        """,
                    arguments: [collectionID, SQLText(after ?? ""), max(limit, 0)])
            }.map(String.init(sqlBytes:))
            var result: [(id: String, store: RecordStore)] = []
            for id in ids {
                if let store = try rows.record(id, collectionID: collectionID) { result.append((id, store)) }
            }
            return result
        }
    }

    public func collections() throws(StoreError) -> [String] {
        try read { rows in
            try rows.run { try Data.fetchAll(rows.db, sql: "SELECT name FROM collection ORDER BY name") }
                .map(String.init(sqlBytes:))
        }
    }

    public func batches(missingFrom vector: BatchVector, limit: Int) throws(StoreError) -> [DeltaBatch] {
        try read { rows in
            let origins = try rows.run {
                try Row.fetchAll(rows.db, sql: "SELECT DISTINCT batch.origin_id, node.key FROM batch JOIN node ON node.id = batch.origin_id")
            }
            var byNode: [(NodeID, Int64)] = []
            for row in origins {
                let key: Data = row[1]
                guard let node = try? NodeID(bytes: [UInt8](key)) else { continue }
                byNode.append((node, row[0]))
            }
            byNode.sort { $0.0 < $1.0 }
            var result: [DeltaBatch] = []
            for (origin, originID) in byNode where result.count < limit {
                let floor = vector.held.nodes[origin]?.prefix ?? 0
                let found = try rows.run {
                    try Row.fetchAll(
                        rows.db,
                        sql: """
                            SELECT sequence, CAST(collection AS BLOB), payload, signature FROM batch
                            WHERE origin_id = ? AND sequence > ? ORDER BY sequence
                            """,
                        arguments: [originID, Int64(bitPattern: floor)])
                }
                for row in found where result.count < limit {
                    let sequence = UInt64(bitPattern: row[0] as Int64)
                    if vector.contains(origin: origin, sequence: sequence) { continue }
                    let collection: Data = row[1]
                    let payload: Data = row[2]
                    let signature: Data = row[3]
                    result.append(DeltaBatch(
                        origin: origin, sequence: sequence, collection: String(sqlBytes: collection),
                        payload: [UInt8](payload), signature: [UInt8](signature)))
                }
            }
            return result
        }
    }

    public func batches(_ ids: [Dot]) throws(StoreError) -> [DeltaBatch] {
        try read { rows in
            var result: [DeltaBatch] = []
            result.reserveCapacity(ids.count)
            for id in ids {
                guard let originID = try rows.knownNodeRowID(id.node) else { continue }
                let row = try rows.run {
                    try Row.fetchOne(
                        rows.db.cachedStatement(sql: "SELECT collection, payload, signature FROM batch WHERE origin_id = ? AND sequence = ?"),
                        arguments: [originID, Int64(bitPattern: id.counter)])
                }
                guard let row else { continue }
                let payload: Data = row[1]
                let signature: Data = row[2]
                result.append(DeltaBatch(
                    origin: id.node, sequence: id.counter, collection: row[0],
                    payload: [UInt8](payload), signature: [UInt8](signature)))
            }
            return result
        }
    }

    public func appendAudit(_ events: [AuditEvent]) throws(StoreError) {
        try write { rows in try insertAudit(events, rows: rows) }
    }

    public func setAcknowledged(_ vector: BatchVector, by peer: NodeID) throws(StoreError) {
        try write { rows in
            let owner = VectorOwner.peer(peer)
            var stored = try rows.readVector(owner: owner)
            stored.formUnion(vector)
            try rows.writeVector(stored, owner: owner, origins: vector.held.nodes.keys)
        }
    }

    public func acknowledged(by peer: NodeID) throws(StoreError) -> BatchVector {
        try read { rows in try rows.readVector(owner: VectorOwner.peer(peer)) }
    }

    public func compactLog(acknowledgedBy peers: [NodeID], committedBefore before: UInt64, now: UInt64) throws(StoreError) -> Int {
        try write { rows in
            var acks: [BatchVector] = []
            for peer in peers { acks.append(try rows.readVector(owner: VectorOwner.peer(peer))) }
            let candidates = try rows.run {
                try Row.fetchAll(
                    rows.db, sql: "SELECT origin_id, sequence FROM batch WHERE committed_at <= ?",
                    arguments: [Int64(bitPattern: min(before, UInt64(Int64.max)))])
            }
            var compacted = try rows.readVector(owner: VectorOwner.compacted)
            var origins = Set<NodeID>()
            var removed = 0
            for row in candidates {
                let originID: Int64 = row[0]
                let sequence = UInt64(bitPattern: row[1] as Int64)
                let origin = try rows.node(forRowID: originID)
                guard acks.allSatisfy({ $0.contains(origin: origin, sequence: sequence) }) else { continue }
                try rows.run {
                    try rows.db.execute(
                        sql: "DELETE FROM batch WHERE origin_id = ? AND sequence = ?",
                        arguments: [originID, Int64(bitPattern: sequence)])
                }
                compacted.insert(origin: origin, sequence: sequence)
                origins.insert(origin)
                removed += 1
            }
            if removed > 0 {
                try rows.writeVector(compacted, owner: VectorOwner.compacted, origins: origins)
                try insertAudit(
                    [AuditEvent(at: now, kind: .compaction, detail: "removed \(removed) batches from the delta log")], rows: rows)
            }
            return removed
        }
    }

    public func leafDigests(_ collection: String) throws(StoreError) -> [UInt16: (count: UInt64, digest: UInt64)] {
        try read { rows in try rows.leafDigests(collection) }
    }

    public func records(_ collection: String, inLeaves leaves: ClosedRange<UInt16>) throws(StoreError) -> [String: RecordStore] {
        try read { rows in try rows.records(collection, inLeaves: leaves) }
    }

    public func commitReconciliation(
        _ delta: RecordCollection, collection: String, from peer: NodeID, clock: HLCTimestamp, now: UInt64
    ) throws(StoreError) -> ApplyReport {
        try write { rows in
            let report = try DeltaApplier.apply(delta, to: collection, rows: &rows)
            try advanceClock(clock, rows: rows)
            try insertAudit(report.conflictEvents(collection: collection, at: now) + [AuditEvent(
                at: now, kind: .reconciliation, collection: collection, node: peer,
                detail: "reconciled with \(peer.hex): records \(report.changedRecords.count)")], rows: rows)
            return report
        }
    }

    public func adoptHeld(_ vector: BatchVector, contexts: [String: CausalContext], from peer: NodeID, now: UInt64) throws(StoreError) {
        try write { rows in
            for (name, theirs) in contexts {
                var context = try rows.context(of: name)
                context.formUnion(theirs)
                try rows.saveContext(context, nodes: theirs.nodes.keys, of: name)
            }
            var held = try rows.readVector(owner: VectorOwner.held)
            var compacted = try rows.readVector(owner: VectorOwner.compacted)
            var notLogged = vector
            notLogged.subtract(held)
            compacted.formUnion(notLogged)
            held.formUnion(vector)
            try rows.writeVector(held, owner: VectorOwner.held, origins: vector.held.nodes.keys)
            try rows.writeVector(compacted, owner: VectorOwner.compacted, origins: notLogged.held.nodes.keys)
            try insertAudit([AuditEvent(at: now, kind: .reconciliation, node: peer,
                                        detail: "state equal to \(peer.hex)'s: adopted its batch vector \(vector)")], rows: rows)
        }
    }

    public func auditEvents(after: Int64, limit: Int) throws(StoreError) -> [AuditRecord] {
        try read { rows in
            let found = try rows.run {
                try Row.fetchAll(
                    rows.db,
                    sql: """
                        SELECT id, at, kind, CAST(collection AS BLOB), CAST(record AS BLOB), node, CAST(detail AS BLOB)
                        FROM audit WHERE id > ? ORDER BY id LIMIT ?
                        """,
                    arguments: [after, max(limit, 0)])
            }
            var result: [AuditRecord] = []
            for row in found {
                let kindName: String = row[2]
                guard let kind = AuditEvent.Kind(rawValue: kindName) else {
                    throw StoreError.malformedRow(path: path, table: "audit", detail: "unknown kind \(kindName)")
                }
                let nodeData: Data? = row[5]
                let at: Int64 = row[1]
                let collection: Data? = row[3]
                let record: Data? = row[4]
                let detail: Data = row[6]
                result.append(AuditRecord(id: row[0], event: AuditEvent(
                    at: UInt64(bitPattern: at), kind: kind,
                    collection: collection.map(String.init(sqlBytes:)), record: record.map(String.init(sqlBytes:)),
                    node: nodeData.flatMap { try? NodeID(bytes: [UInt8]($0)) }, detail: String(sqlBytes: detail))))
            }
            return result
        }
    }

    public func adapterCursor(_ adapter: String) throws(StoreError) -> [UInt8]? {
        try read { rows in
            try rows.run {
                try Data.fetchOne(
                    rows.db, sql: "SELECT cursor FROM adapter_cursor WHERE adapter = CAST(? AS TEXT)", arguments: [SQLText(adapter)])
            }.map { [UInt8]($0) }
        }
    }

    public func recordID(adapter: String, collection: String, externalKey: String) throws(StoreError) -> String? {
        try read { rows in
            try rows.run {
                try Data.fetchOne(
                    rows.db,
                    sql: """
                        SELECT record FROM external_key
                        WHERE adapter = CAST(? AS TEXT) AND collection = CAST(? AS TEXT) AND external_key = CAST(? AS TEXT)
                        """,
                    arguments: [SQLText(adapter), SQLText(collection), SQLText(externalKey)])
            }.map(String.init(sqlBytes:))
        }
    }

    // MARK: Internals

    private enum VectorOwner {
        static let held = "held"
        static let compacted = "compacted"
        static func peer(_ node: NodeID) -> String { "peer:" + node.hex }
    }

    /// Logs `batch` and records it as held: the cost does not depend on
    /// how many ranges the held vector has.
    private func append(_ batch: DeltaBatch, at now: UInt64, rows: inout SQLiteRows) throws(StoreError) {
        let originID = try rows.nodeRowID(batch.origin)
        try rows.run {
            try rows.db.execute(
                sql: """
                    INSERT INTO batch (origin_id, sequence, collection, payload, signature, committed_at)
                    VALUES (?, ?, CAST(? AS TEXT), ?, ?, ?)
                    """,
                arguments: [originID, Int64(bitPattern: batch.sequence), SQLText(batch.collection),
                            Data(batch.payload), Data(batch.signature), Int64(bitPattern: now)])
        }
        try rows.insertIntoVector(owner: VectorOwner.held, origin: batch.origin, sequence: batch.sequence)
    }

    private func advanceClock(_ clock: HLCTimestamp, rows: SQLiteRows) throws(StoreError) {
        try rows.run {
            try rows.db.execute(
                sql: "UPDATE node_meta SET clock = max(clock, ?) WHERE id = 1",
                arguments: [Int64(bitPattern: clock.rawValue)])
        }
    }

    private func insertAudit(_ events: [AuditEvent], rows: SQLiteRows) throws(StoreError) {
        for event in events {
            try rows.run {
                try rows.db.cachedStatement(sql: """
                    INSERT INTO audit (at, kind, collection, record, node, detail)
                    VALUES (?, ?, CAST(? AS TEXT), CAST(? AS TEXT), ?, CAST(? AS TEXT))
                    """)
                    .execute(arguments: [
                        Int64(bitPattern: event.at), event.kind.rawValue, event.collection.map(SQLText.init),
                        event.record.map(SQLText.init), event.node.map { Data($0.bytes) }, SQLText(event.detail),
                    ])
            }
        }
    }

    /// Runs `body` in a write transaction: all of it commits, or none.
    private func write<T>(_ body: (inout SQLiteRows) throws -> T) throws(StoreError) -> T {
        try mappingErrors { try pool.write { db in try withRows(db, body) } }
    }

    /// Runs `body` on a read snapshot of committed state.
    private func read<T>(_ body: (inout SQLiteRows) throws -> T) throws(StoreError) -> T {
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
