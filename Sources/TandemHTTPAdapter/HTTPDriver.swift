import Foundation
import GRDB
public import Logging
import Synchronization
public import TandemAdapterCore

/// The adapter driver for one object type of an HTTP API, described by an
/// `HTTPConnector` (docs/adapters.md, "The HTTP driver").
///
/// Capture: webhooks (HMAC-SHA256 checked) and polling with an
/// `updated_since` cursor observe objects; each observation is compared,
/// in one transaction of the driver's state file, with the object as last
/// seen or written (its shadow): an older or equal modification time is a
/// duplicate, a late delivery or the echo of the driver's own write and is
/// ignored; a newer one with changed fields goes to the outbox with the
/// API's last-modified time as its edit time. The state file (outbox, key
/// map, shadows, poll cursor) is durable, so nothing observed is lost
/// across restarts and polling picks up what happened while the node was
/// down.
///
/// Writes: create, update and delete requests through `HTTPTransport`
/// (budget, 429s, retries); a write the API refuses fails alone; a stale
/// write (409 or 412 under `Concurrency`) re-reads the object and is
/// deferred until the newer edit is captured. The answer's object becomes
/// the shadow, so its webhook and next poll are recognised as echoes.
public final class HTTPDriver: AdapterDriver {
    public let connector: HTTPConnector
    let state: HTTPStateStore
    let transport: HTTPTransport
    let codec: HTTPObjectCodec
    let logger: Logger
    let statsBox = StatsBox()
    /// Bumped whenever the outbox grows; `waitForChanges` watches it.
    let outboxVersion = Atomic<Int>(0)
    let seenVersion = Atomic<Int>(0)
    let background = Mutex<[Task<Void, Never>]>([])
    let webhookPort = Mutex<Int?>(nil)
    let onWebhookRejected: @Sendable () -> Void
    /// Held while a write is sent and recorded, and while an observation is recorded.
    let gate = AsyncLock()

    /// The key column the adapter mapping names for HTTP objects.
    public static let keyColumn = "id"

    /// Opens the driver's state file at `statePath` (created if missing) and
    /// reads the credentials.
    ///
    /// - Parameter onWebhookRejected: called for each webhook refused for
    ///   its signature (the daemon counts it as a metric).
    /// - Throws: `HTTPAdapterError.credentials` when a secret cannot be
    ///   read; `AdapterError.unavailable` when the state file cannot be opened.
    public init(
        connector: HTTPConnector, statePath: String, logger: Logger = Logger(label: "tandem.http"),
        onWebhookRejected: @escaping @Sendable () -> Void = {}
    ) throws {
        self.connector = connector
        self.logger = logger
        self.onWebhookRejected = onWebhookRejected
        self.state = try HTTPStateStore(path: statePath)
        self.codec = HTTPObjectCodec(connector: connector)
        self.transport = HTTPTransport(
            connector: connector, authorization: try HTTPCredentials.authorization(connector.auth), stats: statsBox)
    }

    /// What the driver counted so far.
    public var stats: HTTPDriverStats { statsBox.withLock { $0 } }

    /// The port the webhook receiver listens on, once it does.
    public var boundWebhookPort: Int? { webhookPort.withLock { $0 } }

    public func describe() async throws -> TableSchema {
        var columns = connector.fields.mapValues(\.type)
        columns[Self.keyColumn] = .text
        return TableSchema(table: connector.object, keyColumn: Self.keyColumn, columns: columns)
    }

    public func attach(columns: [String]) async throws {
        let started = background.withLock { !$0.isEmpty }
        guard !started else { return }
        var tasks: [Task<Void, Never>] = []
        if let webhook = connector.webhook {
            let receiver = try WebhookReceiver(driver: self, webhook: webhook)
            tasks.append(Task { await receiver.run() })
            try await waitForWebhookPort()
        }
        if let polling = connector.polling {
            tasks.append(Task { await self.pollLoop(intervalMillis: polling.intervalMillis) })
        }
        background.withLock { $0 = tasks }
    }

    private func waitForWebhookPort() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while webhookPort.withLock({ $0 }) == nil {
            if let failure = statsBox.withLock({ $0.lastError }), failure.hasPrefix("webhook receiver") {
                throw AdapterError.unavailable(database: connector.baseURL, reason: failure)
            }
            guard ContinuousClock.now < deadline else {
                throw AdapterError.unavailable(database: connector.baseURL, reason: "webhook receiver did not start")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    public func detach() async throws {
        await stopBackground()
        try await state.write { db in
            try db.execute(sql: "DELETE FROM outbox; DELETE FROM keys; DELETE FROM shadow; DELETE FROM meta;")
        }
    }

    public func close() async {
        await stopBackground()
        await transport.shutdown()
    }

    private func stopBackground() async {
        let tasks = background.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    // MARK: Outbox

    public func changes(after sequence: Int64, limit: Int) async throws -> CaptureRead {
        seenVersion.store(outboxVersion.load(ordering: .sequentiallyConsistent), ordering: .sequentiallyConsistent)
        return try await state.read { db in
            let changes = try Self.fetchChanges(
                db, sql: "SELECT seq, op, pk, old, new, edited_at_ms FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [sequence, limit])
            let deletes = try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE seq > ? AND op = 'delete'", arguments: [sequence]) ?? 0
            let rows = deletes == 0 ? 0 : try Int.fetchOne(db, sql: "SELECT count(*) FROM shadow WHERE deleted = 0") ?? 0
            return CaptureRead(changes: changes, pendingDeletes: deletes, tableRows: rows)
        }
    }

    public func changes(in ranges: [ClosedRange<Int64>]) async throws -> [CapturedChange] {
        try await state.read { db in
            var result: [CapturedChange] = []
            for range in ranges {
                result += try Self.fetchChanges(
                    db, sql: "SELECT seq, op, pk, old, new, edited_at_ms FROM outbox WHERE seq BETWEEN ? AND ? ORDER BY seq",
                    arguments: [range.lowerBound, range.upperBound])
            }
            return result
        }
    }

    static func fetchChanges(_ db: Database, sql: String, arguments: StatementArguments) throws -> [CapturedChange] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
            guard let kind = CapturedChange.Kind(rawValue: row["op"] ?? "") else { return nil }
            return CapturedChange(
                sequence: row["seq"], kind: kind, key: row["pk"], old: HTTPStateStore.decode(row["old"]),
                new: HTTPStateStore.decode(row["new"]), editedAtMillis: row["edited_at_ms"])
        }
    }

    public func acknowledge(through sequence: Int64, keeping: [ClosedRange<Int64>]) async throws {
        try await state.write { db in
            var sql = "DELETE FROM outbox WHERE seq <= ?"
            var arguments: StatementArguments = [sequence]
            for range in keeping {
                sql += " AND NOT (seq BETWEEN ? AND ?)"
                _ = arguments.append(contentsOf: [range.lowerBound, range.upperBound])
            }
            try db.execute(sql: sql, arguments: arguments)
        }
    }

    public func waitForChanges(timeoutMillis: Int) async {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMillis)
        while ContinuousClock.now < deadline {
            if outboxVersion.load(ordering: .sequentiallyConsistent) != seenVersion.load(ordering: .sequentiallyConsistent) { return }
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                return
            }
        }
    }

    func outboxGrew() { outboxVersion.add(1, ordering: .sequentiallyConsistent) }

    // MARK: Key map and rows

    public func records(forKeys keys: [String]) async throws -> [String: String] {
        try await state.read { db in
            var result: [String: String] = [:]
            for key in keys {
                if let record = try String.fetchOne(db, sql: "SELECT record FROM keys WHERE pk = ?", arguments: [key]) {
                    result[key] = record
                }
            }
            return result
        }
    }

    public func keys(forRecords records: [String]) async throws -> [String: String] {
        try await state.read { db in
            var result: [String: String] = [:]
            for record in records {
                if let key = try String.fetchOne(
                    db,
                    sql: "SELECT k.pk FROM keys k JOIN shadow s ON s.pk = k.pk WHERE k.record = ? AND s.deleted = 0",
                    arguments: [record]) {
                    result[record] = key
                }
            }
            return result
        }
    }

    public func map(_ mappings: [String: String]) async throws {
        try await state.write { db in try HTTPStateStore.map(db, mappings) }
    }

    public func rows(keys: [String]) async throws -> [String: ExternalRow] {
        try await state.read { db in
            var result: [String: ExternalRow] = [:]
            for key in keys {
                if let shadow = try HTTPStateStore.shadow(db, key), !shadow.deleted {
                    result[key] = ExternalRow(key: key, columns: shadow.columns)
                }
            }
            return result
        }
    }

    /// Rows in key order from the shadows; the first call of a backfill
    /// (`after` nil) walks the API's whole list first.
    public func snapshot(after key: String?, limit: Int) async throws -> [ExternalRow] {
        if key == nil { try await walk() }
        return try await state.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT pk, columns FROM shadow WHERE deleted = 0 AND pk > ? ORDER BY pk LIMIT ?",
                arguments: [key ?? "", limit])
            return rows.map { ExternalRow(key: $0["pk"], columns: HTTPStateStore.decode($0["columns"]) ?? [:]) }
        }
    }

    public func rowCount() async throws -> Int {
        try await state.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM shadow WHERE deleted = 0") ?? 0 }
    }

    func noteError(_ error: any Error, _ what: String) {
        statsBox.withLock { $0.lastError = "\(what): \(error)" }
        logger.warning("\(what) failed", metadata: ["error": "\(error)", "connector": "\(connector.object)"])
    }
}
