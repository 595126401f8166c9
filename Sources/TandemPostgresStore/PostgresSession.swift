import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import TandemCore
import TandemPostgresSupport
import TandemStore

/// A value bound to a statement parameter (never spliced into SQL text).
enum SQLValue {
    case int(Int64)
    case bytes([UInt8])
    case text(String)
    case null
    /// A `bytea[]`, sent as one binary array (the planner sees its length
    /// and can hash it, unlike a text literal cast to `bytea[]`).
    case byteaArray([[UInt8]])

    static func utf8(_ text: String) -> SQLValue { .bytes(Array(text.utf8)) }
    static func optionalBytes(_ text: String?) -> SQLValue { text.map { .bytes(Array($0.utf8)) } ?? .null }
}

/// Why a statement failed, as the transaction loop needs to know it.
enum PostgresFailure: Error {
    /// The server refused the statement; the connection is fine (the
    /// transaction is aborted). `state` is the SQLSTATE.
    case server(state: String, message: String)
    /// The connection broke, or no answer came before the deadline: the
    /// server may or may not have run the statement.
    case connection(String)

    /// `40001` serialization_failure and `40P01` deadlock_detected: the
    /// server rolled the transaction back, and running it again is the
    /// documented remedy (PostgreSQL, CockroachDB and YugabyteDB alike).
    var isRetryableConflict: Bool {
        if case .server(let state, _) = self { return state == "40001" || state == "40P01" }
        return false
    }
}

/// The connection a `PostgresStore` works through, and its transactions.
///
/// One connection, used by one transaction at a time (the store serialises
/// its operations behind a lock; a node commits from one event loop anyway).
/// It is opened on first use and after it broke: while the server is down,
/// every operation fails at once with `StoreError.unavailable`, and the
/// first one after the server is back reconnects. Each new connection sets
/// the schema as its `search_path` and takes the schema's advisory lock
/// (so two processes never write one node's state).
///
/// Transactions (`transaction(_:)`): `BEGIN ISOLATION LEVEL REPEATABLE READ`
/// … `COMMIT`. A transaction the server aborts with SQLSTATE `40001`
/// (serialization failure) or `40P01` (deadlock) is run again from the
/// start, up to `Options.conflictAttempts` times with a short backoff. A
/// transaction whose connection broke before `COMMIT` was sent is run again
/// once on a new connection (the server rolled it back); one whose
/// connection broke during `COMMIT` fails with `.unavailable` ("outcome
/// unknown"): nothing is acknowledged, and since every commit is
/// idempotent on the state (a batch already held is a duplicate) the
/// caller's next attempt is safe either way.
final class PostgresSession: @unchecked Sendable {
    let location: PostgresStoreLocation
    let options: PostgresStore.Options
    /// How the store names itself in errors.
    let label: String

    private let group: MultiThreadedEventLoopGroup
    private let eventLoop: any EventLoop
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let lock = NSLock()
    // Guarded by `lock`:
    private var connection: PostgresConnection?
    private var nextConnectionID = 1
    private var closed = false
    private var conflictRetries = 0
    /// Row ids of nodes and collections known to be committed: rows are
    /// never deleted, so these stay right across transactions.
    private var committed = Interned()

    /// Node and collection row ids.
    struct Interned {
        var nodeIDs: [NodeID: Int64] = [:]
        var nodeKeys: [Int64: NodeID] = [:]
        var collectionIDs: [[UInt8]: Int64] = [:]

        mutating func merge(_ other: Interned) {
            nodeIDs.merge(other.nodeIDs) { _, new in new }
            nodeKeys.merge(other.nodeKeys) { _, new in new }
            collectionIDs.merge(other.collectionIDs) { _, new in new }
        }
    }

    init(location: PostgresStoreLocation, options: PostgresStore.Options, logger: Logger) {
        self.location = location
        self.options = options
        self.label = location.description
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        eventLoop = group.next()
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(Int64(max(1, options.connectTimeoutSeconds)))
        configuration.options.additionalStartupParameters = [("application_name", "tandem-store")]
        self.configuration = configuration
    }

    deinit {
        if !closed { group.shutdownGracefully { _ in } }
    }

    /// Serialization failures retried since the store opened.
    var retriedConflicts: Int {
        lock.lock()
        defer { lock.unlock() }
        return conflictRetries
    }

    /// Closes the connection and the event loop; later operations fail.
    func close() {
        lock.lock()
        let wasClosed = closed
        closed = true
        let open = connection
        connection = nil
        lock.unlock()
        guard !wasClosed else { return }
        if let open, !eventLoop.inEventLoop {
            _ = BlockingWait.wait(for: Self.closing(open), until: Date(timeIntervalSinceNow: 10))
        }
        group.shutdownGracefully { _ in }
    }

    // MARK: Transactions

    /// Runs `body` in one transaction on the store's connection, retrying
    /// as the type's documentation says; `body` may run more than once, so
    /// it must have no effect outside the transaction.
    func transaction<T>(readOnly: Bool = false, _ body: (inout PostgresRows) throws(StoreError) -> T) throws(StoreError) -> T {
        guard !eventLoop.inEventLoop else {
            throw StoreError.unavailable("\(label): called on the store's own event loop, where waiting would deadlock")
        }
        if options.readOnly && !readOnly {
            throw StoreError.readOnly(path: label, detail: "opened read-only, beside the running node")
        }
        lock.lock()
        defer { lock.unlock() }
        var conflicts = 0
        var reconnected = false
        while true {
            let connection = try connected()
            let link = PostgresLink(session: self, connection: connection)
            var rows = PostgresRows(link: link, interned: committed)
            var committing = false
            do throws(StoreError) {
                try link.execute(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN ISOLATION LEVEL REPEATABLE READ")
                let result = try body(&rows)
                // Nothing buffered may stay behind (`DeltaApplier` flushes;
                // this is the guard that a future caller cannot lose rows).
                try rows.flushWrites()
                committing = true
                try link.execute("COMMIT")
                committed.merge(rows.interned)
                return result
            } catch {
                switch link.failure {
                case .some(let failure) where failure.isRetryableConflict && conflicts + 1 < options.conflictAttempts:
                    rollBack(link)
                    conflicts += 1
                    conflictRetries += 1
                    logger.debug("serialization failure; running the transaction again", metadata: ["attempt": "\(conflicts + 1)"])
                    // A short backoff lets the other transaction finish.
                    usleep(UInt32(min(1 << conflicts, 64)) * 1_000)
                case .some(.connection(let reason)):
                    drop(connection)
                    if committing {
                        throw StoreError.unavailable(
                            "\(label): the connection broke during COMMIT (\(reason)); the outcome is unknown and nothing was acknowledged")
                    }
                    guard !reconnected else { throw StoreError.unavailable("\(label): \(reason)") }
                    reconnected = true  // rolled back by the server: run it again on a new connection
                default:
                    rollBack(link)
                    throw error
                }
            }
        }
    }

    /// Rolls back an aborted or failed transaction, dropping the connection
    /// if even that fails.
    private func rollBack(_ link: PostgresLink) {
        link.failure = nil
        do {
            try link.execute("ROLLBACK")
        } catch {
            drop(link.connection)
        }
    }

    private func drop(_ broken: PostgresConnection) {
        if connection === broken { connection = nil }
        Self.closing(broken)
    }

    // MARK: Connecting

    /// The open connection, or a new one (with the schema on its search path
    /// and the schema's advisory lock held).
    private func connected() throws(StoreError) -> PostgresConnection {
        guard !closed else { throw StoreError.unavailable("\(label): the store is closed") }
        if let connection, !connection.isClosed { return connection }
        if let stale = connection {
            connection = nil
            Self.closing(stale)
        }
        let id = nextConnectionID
        nextConnectionID += 1
        let future = PostgresConnection.connect(on: eventLoop, configuration: configuration, id: id, logger: logger)
        let deadline = Date(timeIntervalSinceNow: Double(options.connectTimeoutSeconds) + 5)
        let made: PostgresConnection
        switch BlockingWait.wait(for: future, until: deadline) {
        case .success(let connection):
            made = connection
        case .failure(let error):
            throw StoreError.unavailable("\(label): cannot connect: \(Self.reason(error))\(passwordHint(error))")
        case nil:
            throw StoreError.unavailable("\(label): cannot connect: no answer within \(options.connectTimeoutSeconds) s")
        }
        let link = PostgresLink(session: self, connection: made)
        do throws(StoreError) {
            try link.execute("SET search_path TO \"\(location.schema)\"")
            if !options.readOnly {
                try link.execute("SET lock_timeout = \(options.lockWaitSeconds * 1_000)")
                try link.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [.text(lockName)])
                try link.execute("SET lock_timeout = 0")
            }
        } catch {
            Self.closing(made)
            if case .server(let state, _) = link.failure, state == "55P03" {
                throw StoreError.unavailable(
                    "\(label): schema \(location.schema) is in use by another Tandem process (its lock was not released within \(options.lockWaitSeconds) s)")
            }
            throw error
        }
        connection = made
        return made
    }

    /// The advisory lock that makes one process the schema's only writer.
    private var lockName: String { "tandem-store:" + location.schema }

    private func passwordHint(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "" }
        if error.code == .authMechanismRequiresPassword {
            return "; the server asks for a password: set PGPASSWORD, or password_env=VAR in the URL"
        }
        return ""
    }

    // MARK: Statements

    /// Runs one statement on `connection`, waiting for every row.
    func run(_ sql: String, _ values: [SQLValue], on connection: PostgresConnection) throws(PostgresFailure) -> PostgresQueryResult {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .int(let number): bindings.append(number)
            case .bytes(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            case .text(let text): bindings.append(text)
            case .null: bindings.appendNull()
            case .byteaArray(let items): bindings.append(items.map { ByteBuffer(bytes: $0) })
            }
        }
        let future = ActiveChannelQuery.send(PostgresQuery(unsafeSQL: sql, binds: bindings), on: connection, logger: logger)
        let deadline = Date(timeIntervalSinceNow: Double(options.statementTimeoutSeconds))
        switch BlockingWait.wait(for: future, until: deadline) {
        case .success(let result):
            return result
        case .failure(let error):
            if let error = error as? PSQLError, error.code == .server {
                let state = error.serverInfo?[.sqlState] ?? "?????"
                var message = error.serverInfo?[.message] ?? "server error"
                if let detail = error.serverInfo?[.detail] { message += " (\(detail))" }
                // 57P0x: the server is shutting down or restarting (it ends
                // the session); 08xxx: the connection failed.
                if state.hasPrefix("57P") || state.hasPrefix("08") { throw .connection("\(message) [SQLSTATE \(state)]") }
                throw .server(state: state, message: message)
            }
            throw .connection(Self.reason(error))
        case nil:
            Self.closing(connection)
            throw .connection("no answer within \(options.statementTimeoutSeconds) s")
        }
    }

    /// Starts closing `connection` (postgres-nio's future-returning `close`),
    /// keeping it alive until it is closed (postgres-nio asserts that a
    /// connection is closed before it is deinitialised).
    @discardableResult
    static func closing(_ connection: PostgresConnection) -> EventLoopFuture<Void> {
        let closed: EventLoopFuture<Void> = connection.close()
        closed.whenComplete { _ in withExtendedLifetime(connection) {} }
        return closed
    }

    static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if error.code == .server, let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return error.code.description
    }
}

/// One connection in use by one transaction: runs its statements and
/// remembers why the last one failed (for the retry decision).
final class PostgresLink {
    let session: PostgresSession
    let connection: PostgresConnection
    /// Why the last statement failed, if one did.
    var failure: PostgresFailure?

    init(session: PostgresSession, connection: PostgresConnection) {
        self.session = session
        self.connection = connection
    }

    /// Runs `sql` and returns its rows.
    @discardableResult
    func query(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> [PostgresRow] {
        try result(sql, values).rows
    }

    /// Runs `sql` and returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> Int {
        try result(sql, values).metadata.rows ?? 0
    }

    private func result(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> PostgresQueryResult {
        do {
            return try session.run(sql, values, on: connection)
        } catch {
            failure = error
            switch error {
            case .server(let state, let message):
                if state == "53100" { throw StoreError.diskFull(path: session.label) }
                throw StoreError.database(path: session.label, detail: "\(message) [SQLSTATE \(state)]")
            case .connection(let reason):
                throw StoreError.unavailable("\(session.label): \(reason)")
            }
        }
    }
}
