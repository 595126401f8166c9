import Foundation
public import Logging
public import ServiceLifecycle
public import TandemAdapterCore
import TandemAdapters
import TandemPostgresAdapter
import TandemHTTPAdapter
import TandemNode

/// The adapters `tandem run` runs: a SQLite file (`kind = "sqlite"`,
/// `SQLiteDriver`), a PostgreSQL table (`kind = "postgres"`,
/// `PostgresDriver`) or an HTTP API's object type (`kind = "http"`,
/// `HTTPDriver` with its connector file), each kept in sync with its collection by an
/// `AdapterRunner`.
///
/// ``makeAdapter(_:)`` builds the mapping (``AdapterMappingBuilder``), opens
/// the driver, starts the runner (which reads the table's schema and
/// installs capture: a missing table or column fails here, as one line) and
/// registers it with the daemon's ``AdapterHub``. The returned service runs
/// until graceful shutdown, logging the runner's errors and state changes,
/// then stops the runner.
public struct BuiltInAdapters: AdapterFactory {
    public init() {}

    public func makeAdapter(_ context: AdapterContext) async throws -> any Service {
        let settings = context.settings
        let mapping = try AdapterMappingBuilder.mapping(
            settings, collection: context.collection, configuration: context.configuration, own: context.node.node)
        let driver: any AdapterDriver
        do {
            let metrics = context.metrics, name = settings.name
            driver = try Self.driver(settings, logger: context.logger) { metrics.countRejectedWebhook(adapter: name) }
        } catch {
            throw DaemonError.adapterFailed(adapter: settings.name, detail: "\(error)")
        }
        let metrics = context.metrics
        let collection = settings.collection
        let runner = AdapterRunner(
            mapping: mapping, node: context.node, driver: driver, clock: Self.wallClock,
            onSyncLatency: { millis in metrics.recordSyncLatency(collection: collection, .milliseconds(millis)) })
        do {
            try await runner.start()
        } catch {
            await runner.stop()
            throw DaemonError.adapterFailed(adapter: settings.name, detail: "\(error)")
        }
        context.hub.register(settings, runner: runner)
        context.logger.info(
            "adapter started",
            metadata: ["kind": "\(settings.kind.rawValue)", "table": "\(settings.table)", "collection": "\(settings.collection)"])
        return AdapterService(name: settings.name, runner: runner, logger: context.logger)
    }

    /// The driver for `settings` (nothing is written to the database yet).
    ///
    /// - Parameter onWebhookRejected: called for each webhook an http
    ///   adapter refuses for its signature.
    public static func driver(
        _ settings: AdapterSettings, logger: Logger, onWebhookRejected: @escaping @Sendable () -> Void = {}
    ) throws -> any AdapterDriver {
        switch settings.kind {
        case .sqlite:
            guard FileManager.default.fileExists(atPath: settings.database) else {
                throw AdapterError.unavailable(database: settings.database, reason: "no such SQLite file")
            }
            return try SQLiteDriver(path: settings.database, table: settings.table, keyColumn: settings.key)
        case .postgres:
            return try PostgresDriver(url: settings.database, table: settings.table, keyColumn: settings.key, logger: logger)
        case .http:
            guard let connector = settings.connector else {
                throw AdapterError.driver("adapter \(settings.name) has no connector")
            }
            return try HTTPDriver(
                connector: connector, statePath: settings.database, logger: logger, onWebhookRejected: onWebhookRejected)
        }
    }

    /// Wall time in milliseconds: the edit-time clock of the adapters.
    static let wallClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// One running adapter as a service of the daemon's group: logs what the
/// runner reports (each new error once, pauses and resumptions, the
/// backfill's progress every 5 s and its end), and stops it at graceful shutdown (the step in flight
/// finishes first).
struct AdapterService: Service, CustomStringConvertible {
    let name: String
    let runner: AdapterRunner
    let logger: Logger

    var description: String { "adapter \(name)" }

    func run() async throws {
        let runner = self.runner
        let logger = self.logger
        await cancelWhenGracefulShutdown {
            var last = await runner.currentStatus()
            var progress = BackfillProgress()
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                let now = await runner.currentStatus()
                Self.logChanges(from: last, to: now, logger: logger)
                if let line = progress.line(now, at: ContinuousClock.now) {
                    logger.info("\(line.message)", metadata: line.metadata)
                }
                last = now
            }
        }
        await runner.stop()
        logger.info("adapter stopped")
    }

    static func logChanges(from old: AdapterStatus, to new: AdapterStatus, logger: Logger) {
        if new.errors > old.errors {
            logger.warning(
                "adapter error (retrying)",
                metadata: ["error": "\(new.lastError ?? "?")", "errors": "\(new.errors)"])
        }
        switch (old.state, new.state) {
        case (.paused, .paused): break
        case (_, .paused(let reason)): logger.error("adapter paused", metadata: ["reason": "\(reason)"])
        case (.paused, _): logger.info("adapter resumed")
        case (.backfilling, .running): logger.info("adapter backfill done", metadata: ["rows": "\(new.backfilledRows)"])
        default: break
        }
        if new.heldDeletes > 0 && old.heldDeletes == 0 {
            logger.warning(
                "mass delete held for approval (tandem deletes, approve-deletes, reject-deletes)",
                metadata: ["deletes": "\(new.heldDeletes)"])
        }
        if new.lostEdits > old.lostEdits {
            logger.info("captured edits lost to later ones (tandem conflicts)", metadata: ["lost": "\(new.lostEdits - old.lostEdits)"])
        }
    }
}
