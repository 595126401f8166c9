public import Logging
public import TandemCore
public import TandemStore

/// The server `ReplicaStore`: a node's state in one schema of a PostgreSQL
/// (15 or later) database, over postgres-nio. Several nodes may share a
/// database, one schema each.
///
/// Guarantees (those of `ReplicaStore`, as `SQLiteStore` keeps them):
/// - Each `commit…` is one transaction (`REPEATABLE READ`): state, delta-log
///   entry, batch-vector advance, clock, audit events, adapter cursor and
///   key mappings commit together or not at all, and a commit returns only
///   after the server acknowledged `COMMIT`. With the server's defaults
///   (`fsync = on`, `synchronous_commit = on`) that is after the WAL reached
///   its disk, so a kill of the node or of the server loses nothing a
///   commit acknowledged. (A server configured with `synchronous_commit =
///   off` trades that away; the store cannot check it for you.)
/// - A transaction the server aborts with SQLSTATE `40001` (serialization
///   failure) or `40P01` (deadlock) is run again from the start, up to
///   `Options.conflictAttempts` times; `retriedConflicts` counts them.
/// - The schema is created and upgraded by versioned migrations
///   (`PostgresSchema`) in the opening transaction. Opening refuses, naming
///   the location and the cause, a schema holding tables that are not
///   Tandem's, one written by a newer format, and one belonging to another
///   node, without changing it.
/// - One process at a time: a connection holds the schema's advisory lock
///   (`pg_advisory_lock`) for as long as it lives, so a second process
///   opening the same schema waits `Options.lockWaitSeconds` and is refused.
/// - Only the causal contexts and batch vectors are read whole; records are
///   read when a delta touches them.
///
/// The protocol is synchronous and postgres-nio is not: each statement is
/// sent on the store's own one-thread event loop group and the calling
/// thread blocks until its answer (`BlockingWait`). So a caller may be any
/// thread, a node's event loop included, except the store's own loop (which
/// never calls back into the store). Operations are serialised on one
/// connection. While the server is unreachable every operation fails at once
/// with `StoreError.unavailable`, and the first one after it is back
/// reconnects; a node keeps running meanwhile and anti-entropy fills in
/// what it missed.
public final class PostgresStore: ReplicaStore {
    /// Tuning an operator may set.
    public struct Options: Sendable {
        /// How long a connection attempt may take.
        public var connectTimeoutSeconds: Int
        /// How long one statement's answer may take before the connection
        /// is given up (and the operation fails as unavailable).
        public var statementTimeoutSeconds: Int
        /// How long opening waits for the schema's lock held by another
        /// process (a node just killed holds it until the server notices).
        public var lockWaitSeconds: Int
        /// How many times a transaction runs before a serialization failure
        /// is reported.
        public var conflictAttempts: Int
        /// A reader beside the running node (`tandem audit`): takes no lock,
        /// creates and migrates nothing (a schema without a store, or of
        /// another format, is refused), and every write fails as read-only.
        public var readOnly: Bool

        public init(
            connectTimeoutSeconds: Int = 10, statementTimeoutSeconds: Int = 60, lockWaitSeconds: Int = 30,
            conflictAttempts: Int = 8, readOnly: Bool = false
        ) {
            self.connectTimeoutSeconds = connectTimeoutSeconds
            self.statementTimeoutSeconds = statementTimeoutSeconds
            self.lockWaitSeconds = lockWaitSeconds
            self.conflictAttempts = max(1, conflictAttempts)
            self.readOnly = readOnly
        }
    }

    /// Where the state lives.
    public let location: PostgresStoreLocation
    /// The node the store belongs to.
    public let node: NodeID
    let session: PostgresSession

    /// Opens (creating the schema if needed) the store at `location` for
    /// `node`.
    ///
    /// - Throws: `StoreError` naming the location and the cause: the server
    ///   unreachable (`.unavailable`), a foreign or newer schema, another
    ///   node's state.
    public init(
        location: PostgresStoreLocation, node: NodeID, options: Options = Options(), now: UInt64,
        logger: Logger = Logger(label: "tandem.store.postgres")
    ) throws(StoreError) {
        self.location = location
        self.node = node
        session = PostgresSession(location: location, options: options, logger: logger)
        do {
            try session.transaction(readOnly: options.readOnly) { rows throws(StoreError) in
                try PostgresSchema.prepare(&rows, schema: location.schema, node: node, now: now, create: !options.readOnly)
            }
        } catch {
            session.close()
            throw error
        }
    }

    /// Opens the store at the URL `url` (`PostgresStoreLocation`), the
    /// password taken from `environment`.
    public convenience init(
        url: String, environment: [String: String], node: NodeID, options: Options = Options(), now: UInt64
    ) throws(StoreError) {
        try self.init(location: PostgresStoreLocation(url, environment: environment), node: node, options: options, now: now)
    }

    /// Closes the connection; later calls fail.
    public func close() {
        session.close()
    }

    /// Transactions run again after a serialization failure or deadlock.
    public var retriedConflicts: Int { session.retriedConflicts }

    // MARK: Internals

    /// The owner names of the batch vectors the store keeps.
    enum VectorOwner {
        static let held = "held"
        static let compacted = "compacted"
        static func peer(_ node: NodeID) -> String { "peer:" + node.hex }
    }

    func write<T>(_ body: (inout PostgresRows) throws(StoreError) -> T) throws(StoreError) -> T {
        try session.transaction(body)
    }

    func read<T>(_ body: (inout PostgresRows) throws(StoreError) -> T) throws(StoreError) -> T {
        try session.transaction(readOnly: true, body)
    }
}
