public import Logging
public import ServiceLifecycle
public import TandemNode

/// What the daemon hands an adapter when it starts it: its settings, its
/// collection's settings, the running node, a logger, the metrics and the
/// hub that relays the node's events to the adapters.
///
/// Guarantees: ``node`` is started when the adapter is made, and is shut
/// down only after every adapter's service has returned.
public struct AdapterContext: Sendable {
    /// The `[[adapter]]` entry.
    public let settings: AdapterSettings
    /// The `[[collection]]` it maps to.
    public let collection: CollectionSettings
    /// The whole configuration (node name, peers, other collections).
    public let configuration: NodeConfigurationFile
    /// The running node: write captured changes with `node.write`/`change`,
    /// read state with `node.record`/`node.store`.
    public let node: SyncNode
    /// A logger with `adapter` metadata set to ``AdapterSettings/name``.
    public let logger: Logger
    /// Where to record sync latency, conflicts and parity
    /// (``DaemonMetrics/recordSyncLatency(collection:_:)``,
    /// ``DaemonMetrics/countConflict(collection:field:)``,
    /// ``DaemonMetrics/setParity(collection:adapter:ratio:)``): they appear in
    /// `/metrics`, and conflicts and parity in the status health figures.
    public let metrics: DaemonMetrics
    /// Where an adapter registers its runner: the hub forwards every node
    /// event to it and the admin endpoint (status, held deletes, parity)
    /// reaches it there.
    public let hub: AdapterHub

    public init(
        settings: AdapterSettings, collection: CollectionSettings, configuration: NodeConfigurationFile,
        node: SyncNode, logger: Logger, metrics: DaemonMetrics, hub: AdapterHub
    ) {
        self.hub = hub
        self.settings = settings
        self.collection = collection
        self.configuration = configuration
        self.node = node
        self.logger = logger
        self.metrics = metrics
    }
}

/// Makes the adapters of a configuration: the one seam through which the
/// adapters module plugs into `tandem run`.
///
/// The daemon calls ``makeAdapter(_:)`` once per `[[adapter]]`, after the
/// node started and before the admin endpoint opens, and runs each returned
/// service in its service group: `run()` should capture and apply changes
/// until graceful shutdown (`ServiceLifecycle.gracefulShutdown()` or
/// `cancelWhenGracefulShutdown`), finish the transaction in flight and
/// return. Services shut down in reverse order of start, so every adapter
/// has returned before the node shuts down. An error thrown by
/// ``makeAdapter(_:)`` stops the start-up with its description as the
/// one-line reason; an error thrown by `run()` shuts the daemon down.
///
/// `BuiltInAdapters` is the factory `tandem run` passes (SQLite and
/// PostgreSQL tables through `AdapterRunner`); a factory that runs its own
/// runners registers them with ``AdapterContext/hub`` so they receive the
/// node's events and appear in status and the admin routes:
///
/// ```swift
/// try await NodeDaemon(configuration: file, logger: logger, adapters: BuiltInAdapters()).run()
/// ```
public protocol AdapterFactory: Sendable {
    /// The adapter for `context.settings`, as a service to run.
    func makeAdapter(_ context: AdapterContext) async throws -> any Service
}
