import Foundation
import GRDB
import TandemAdapterCore

/// The HTTP driver's durable state, in a SQLite file of its own (an API
/// has no place for an outbox): the outbox of captured changes, the key
/// map (object key to record id), the shadow (each object's mapped values
/// and modification time as last seen or written, what deduplication,
/// ordering and echo suppression compare against) and the poll cursor.
///
/// Guarantees: `ingest` and `ingestDelete` decide and record in one
/// transaction, so webhooks and polls racing for one object capture each
/// modification at most once, in modification-time order.
final class HTTPStateStore: Sendable {
    let path: String
    private let database: DatabaseQueue

    /// What `ingest` did with an observed object.
    enum IngestOutcome: Hashable, Sendable {
        /// A new modification: put in the outbox.
        case captured
        /// The modification the adapter's own write made (echo).
        case echo
        /// Seen already, or older than what was seen (a duplicate or late webhook, a poll overlap).
        case stale
        /// Newer, but no mapped field changed.
        case unchanged
    }

    /// One object as last seen.
    struct Shadow: Hashable, Sendable {
        var columns: [String: ExternalValue]
        var modifiedMillis: Int64
        var version: JSONValue?
        var etag: String?
        var deleted: Bool
        var written: Bool
    }

    init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "tandem-http-state"
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS outbox (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL, pk TEXT NOT NULL,
                        old TEXT, new TEXT, edited_at_ms INTEGER NOT NULL);
                    CREATE INDEX IF NOT EXISTS outbox_pk ON outbox (pk);
                    CREATE TABLE IF NOT EXISTS keys (pk TEXT PRIMARY KEY, record TEXT NOT NULL UNIQUE);
                    CREATE TABLE IF NOT EXISTS shadow (
                        pk TEXT PRIMARY KEY, columns TEXT NOT NULL, modified_ms INTEGER NOT NULL,
                        version TEXT, etag TEXT, deleted INTEGER NOT NULL DEFAULT 0, written INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
                    """)
            }
        } catch {
            throw AdapterError.unavailable(database: path, reason: "\(error)")
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.write(body)
        } catch let error as DatabaseError {
            throw AdapterError.driver("\(path): \(error)")
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.read(body)
        } catch let error as DatabaseError {
            throw AdapterError.driver("\(path): \(error)")
        }
    }

    // MARK: Encoding

    static func encode(_ columns: [String: ExternalValue]) -> String {
        JSONValue.object(columns.mapValues(HTTPObjectCodec.json)).description
    }

    static func decode(_ text: String?) -> [String: ExternalValue]? {
        guard let text, let json = try? JSONValue.parse(Data(text.utf8), from: "state"), case .object(let members) = json
        else { return nil }
        return members.mapValues(HTTPObjectCodec.external)
    }

    static func shadow(_ db: Database, _ key: String) throws -> Shadow? {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT columns, modified_ms, version, etag, deleted, written FROM shadow WHERE pk = ?", arguments: [key])
        else { return nil }
        let versionText: String? = row["version"]
        return Shadow(
            columns: decode(row["columns"]) ?? [:], modifiedMillis: row["modified_ms"],
            version: versionText.flatMap { try? JSONValue.parse(Data($0.utf8), from: "state") },
            etag: row["etag"], deleted: (row["deleted"] as Int64? ?? 0) != 0, written: (row["written"] as Int64? ?? 0) != 0)
    }

    static func save(_ db: Database, _ key: String, _ shadow: Shadow) throws {
        try db.execute(
            sql: """
                INSERT INTO shadow (pk, columns, modified_ms, version, etag, deleted, written) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (pk) DO UPDATE SET columns = excluded.columns, modified_ms = excluded.modified_ms,
                    version = excluded.version, etag = excluded.etag, deleted = excluded.deleted, written = excluded.written
                """,
            arguments: [key, encode(shadow.columns), shadow.modifiedMillis, shadow.version?.description, shadow.etag,
                        shadow.deleted ? 1 : 0, shadow.written ? 1 : 0])
    }

    static func enqueue(
        _ db: Database, _ kind: CapturedChange.Kind, key: String, old: [String: ExternalValue]?, new: [String: ExternalValue]?,
        at millis: Int64
    ) throws {
        try db.execute(
            sql: "INSERT INTO outbox (op, pk, old, new, edited_at_ms) VALUES (?, ?, ?, ?, ?)",
            arguments: [kind.rawValue, key, old.map(encode), new.map(encode), millis])
    }

    // MARK: Observing the API

    /// Records an object seen through a webhook, a poll or a read.
    func ingest(_ object: HTTPObjectCodec.Decoded, etag: String?) async throws -> IngestOutcome {
        try await write { db in
            let previous = try Self.shadow(db, object.key)
            if let previous {
                if object.modifiedMillis < previous.modifiedMillis { return .stale }
                if object.modifiedMillis == previous.modifiedMillis {
                    // The same modification: only a newly learnt ETag is kept.
                    if let etag, etag != previous.etag {
                        var known = previous
                        known.etag = etag
                        try Self.save(db, object.key, known)
                    }
                    return previous.written ? .echo : .stale
                }
            }
            var next = Shadow(
                columns: object.columns, modifiedMillis: object.modifiedMillis, version: object.version,
                etag: etag ?? previous?.etag, deleted: false, written: false)
            if let previous, !previous.deleted, previous.columns == object.columns {
                next.written = previous.written
                try Self.save(db, object.key, next)
                return .unchanged
            }
            let live = previous.flatMap { $0.deleted ? nil : $0 }
            try Self.enqueue(
                db, live == nil ? .insert : .update, key: object.key, old: live?.columns, new: object.columns,
                at: object.modifiedMillis)
            try Self.save(db, object.key, next)
            return .captured
        }
    }

    /// Records that object `key` was deleted at `millis` (a webhook, or a
    /// read that found it gone).
    func ingestDelete(key: String, at millis: Int64) async throws -> IngestOutcome {
        try await write { db in
            guard var previous = try Self.shadow(db, key) else { return .stale }
            if previous.deleted { return previous.written ? .echo : .stale }
            try Self.enqueue(db, .delete, key: key, old: previous.columns, new: nil, at: max(millis, previous.modifiedMillis))
            previous.deleted = true
            previous.written = false
            previous.modifiedMillis = max(millis, previous.modifiedMillis)
            try Self.save(db, key, previous)
            return .captured
        }
    }

    /// Records an object as listed at first attach (no capture: the
    /// backfill imports it).
    func remember(_ object: HTTPObjectCodec.Decoded) async throws {
        try await write { db in
            let previous = try Self.shadow(db, object.key)
            if let previous, previous.modifiedMillis > object.modifiedMillis { return }
            try Self.save(db, object.key, Shadow(
                columns: object.columns, modifiedMillis: object.modifiedMillis, version: object.version,
                etag: previous?.etag, deleted: false, written: false))
        }
    }

    /// Records the object the adapter's own write left (the API's answer to
    /// a write that sent `sent`): its webhook and its next poll are echoes.
    /// Where the answer shows mapped values the write did not send and the
    /// object did not hold (someone else's edit made just before, a value
    /// the API normalised), that difference is captured as an update with
    /// the answer's modification time; returns whether it was.
    func wrote(
        _ object: HTTPObjectCodec.Decoded, etag: String?, record: String?, sent: [String: ExternalValue]
    ) async throws -> Bool {
        try await write { db in
            let previous = try Self.shadow(db, object.key).flatMap { $0.deleted ? nil : $0 }
            var expected = previous?.columns ?? [:]
            expected.merge(sent) { _, new in new }
            let differs = object.columns.contains { name, value in (expected[name] ?? .null) != value }
            if differs {
                try Self.enqueue(db, .update, key: object.key, old: expected, new: object.columns, at: object.modifiedMillis)
            }
            try Self.save(db, object.key, Shadow(
                columns: object.columns, modifiedMillis: object.modifiedMillis, version: object.version,
                etag: etag, deleted: false, written: true))
            if let record { try Self.map(db, [object.key: record]) }
            return differs
        }
    }

    /// Records the adapter's own delete of `key`; returns the values it held.
    func wroteDelete(key: String) async throws -> [String: ExternalValue]? {
        try await write { db in
            guard var previous = try Self.shadow(db, key) else { return nil }
            previous.deleted = true
            previous.written = true
            try Self.save(db, key, previous)
            return previous.columns
        }
    }

    func shadow(_ key: String) async throws -> Shadow? {
        try await read { db in try Self.shadow(db, key) }
    }

    // MARK: Meta

    func meta(_ name: String) async throws -> String? {
        try await read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = ?", arguments: [name]) }
    }

    func setMeta(_ name: String, _ value: String) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                arguments: [name, value])
        }
    }

    // MARK: Key map

    static func map(_ db: Database, _ mappings: [String: String]) throws {
        for (key, record) in mappings.sorted(by: { $0.key < $1.key }) {
            // A mapping of the same record to a deleted object is released.
            try db.execute(
                sql: """
                    DELETE FROM keys WHERE record = ? AND pk <> ?
                      AND pk IN (SELECT pk FROM shadow WHERE deleted = 1 UNION SELECT pk FROM keys WHERE pk NOT IN (SELECT pk FROM shadow))
                    """,
                arguments: [record, key])
            try db.execute(
                sql: "INSERT INTO keys (pk, record) VALUES (?, ?) ON CONFLICT (pk) DO UPDATE SET record = excluded.record",
                arguments: [key, record])
        }
    }
}
