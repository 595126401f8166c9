import Logging
import PostgresNIO
import TandemAdapterCore

/// One PostgreSQL connection used by one operation at a time (a transaction
/// needs the connection to itself), reconnected on demand with exponential
/// backoff after the server went away.
///
/// While the server cannot be reached every operation fails at once with
/// `AdapterError.unavailable` (no operation hangs waiting for the server);
/// the caller retries, and the first call after the backoff has passed
/// connects again.
actor ConnectionKeeper {
    private let configuration: PostgresConnection.Configuration
    private let database: String
    private let logger: Logger
    private var connection: PostgresConnection?
    private var nextConnectionID = 1
    private var backoff: Duration = .zero
    private var retryAt: ContinuousClock.Instant?
    private var busy = false
    private var queue: [CheckedContinuation<Void, Never>] = []
    private var closed = false

    /// Backoff bounds between connection attempts.
    static let firstBackoff: Duration = .milliseconds(50)
    static let maximumBackoff: Duration = .seconds(5)

    init(configuration: PostgresConnection.Configuration, database: String, logger: Logger) {
        self.configuration = configuration
        self.database = database
        self.logger = logger
    }

    /// Runs `body` with the connection to itself.
    ///
    /// - Throws: `AdapterError.unavailable` when no connection can be made
    ///   or it broke during `body`; `body`'s other errors as they are.
    func run<Result: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        await acquire()
        defer { release() }
        let connection = try await connected()
        do {
            return try await body(connection)
        } catch {
            if ConnectionKeeper.isServerError(error) { throw error }
            if let adapterError = error as? AdapterError { throw adapterError }
            drop(connection, because: error)
            throw AdapterError.unavailable(database: database, reason: "connection lost: \(ConnectionKeeper.reason(error))")
        }
    }

    /// Closes the connection; later operations fail.
    func close() async {
        closed = true
        if let connection {
            self.connection = nil
            try? await connection.close()
        }
    }

    // MARK: Exclusive use

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { queue.append($0) }
    }

    private func release() {
        if queue.isEmpty {
            busy = false
        } else {
            queue.removeFirst().resume()
        }
    }

    // MARK: Connecting

    private func connected() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        if let stale = connection {
            connection = nil
            try? await stale.close()
        }
        guard !closed else { throw AdapterError.unavailable(database: database, reason: "the driver is closed") }
        if let retryAt, ContinuousClock.now < retryAt {
            throw AdapterError.unavailable(
                database: database, reason: "server unreachable; next connection attempt in \(retryAt - ContinuousClock.now)")
        }
        let id = nextConnectionID
        nextConnectionID += 1
        do {
            let made = try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
            if backoff != .zero {
                logger.info("reconnected to PostgreSQL", metadata: ["database": "\(database)"])
            }
            backoff = .zero
            retryAt = nil
            connection = made
            return made
        } catch {
            backoff = backoff == .zero ? ConnectionKeeper.firstBackoff : min(backoff * 2, ConnectionKeeper.maximumBackoff)
            retryAt = ContinuousClock.now + backoff
            logger.debug("cannot connect to PostgreSQL", metadata: ["database": "\(database)", "error": "\(String(reflecting: error))"])
            throw AdapterError.unavailable(database: database, reason: "cannot connect: \(ConnectionKeeper.reason(error))")
        }
    }

    private func drop(_ broken: PostgresConnection, because error: any Error) {
        logger.info("PostgreSQL connection lost", metadata: ["database": "\(database)", "error": "\(String(reflecting: error))"])
        if connection === broken { connection = nil }
        Task { try? await broken.close() }
        // Reconnect at once on the next call, then back off.
        retryAt = nil
    }

    // MARK: Errors

    /// Whether `error` is the server refusing a statement (the connection is fine).
    static func isServerError(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        return error.code == .server
    }

    /// Whether `error` is the server refusing a write of a row (a
    /// constraint, a type, a length), which fails that write alone; not a
    /// capture gone missing, which fails every write until attached again.
    static func isRefusedWrite(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        return error.code == .server && !isMissingCapture(error)
    }

    /// Whether `error` says a relation the driver created (its names start
    /// with `_tandem_`) does not exist.
    static func isMissingCapture(_ error: PSQLError) -> Bool {
        guard error.code == .server, error.serverInfo?[.sqlState] == PostgresError.Code.undefinedTable.raw else { return false }
        return error.serverInfo?[.message]?.contains("_tandem_") == true
    }

    /// The server's message for a refused statement, else a short reason.
    static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if error.code == .server, let message = error.serverInfo?[.message] {
            var text = message
            if let detail = error.serverInfo?[.detail] { text += " (\(detail))" }
            return text
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return error.code.description
    }
}
