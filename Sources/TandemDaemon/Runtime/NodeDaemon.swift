import Foundation
public import Logging
import ServiceLifecycle
import Synchronization
import TandemCore
public import TandemCrypto
import TandemNet
public import TandemNode
import TandemRules
import TandemStore
import TandemSync
import UnixSignals

/// `tandem run`: one node from a configuration file, in the foreground,
/// until SIGINT or SIGTERM.
///
/// Start-up, in order: read the key, open the store (`[node] store`: SQLite
/// in `data_dir`, or PostgreSQL), start
/// the node (listener and dialling), make the adapters (``AdapterFactory``),
/// open the admin endpoint. Every failure before the node runs is a
/// ``DaemonError`` with a one-line reason, and whatever had started is
/// stopped again. Then a swift-service-lifecycle `ServiceGroup` runs the
/// node, the adapters, the peer watch, the alerts (``AlertService``), the
/// parity schedule and audit retention, and the admin endpoint; SIGINT or
/// SIGTERM shuts them down gracefully in reverse order (admin endpoint
/// first, the node last: in-flight transactions finish, peers see their
/// sessions close, the store is closed), and ``run()`` returns.
///
/// Guarantees: trust is exactly the configured peers (the allow list, and
/// the trusted origins with this node); the drift bound is
/// `max_clock_drift_ms`; every session change, refusal and sync event is
/// logged as one line.
public struct NodeDaemon: Sendable {
    public let configuration: NodeConfigurationFile
    public let logger: Logger
    public let adapters: (any AdapterFactory)?
    /// Called with the admin address once the daemon is fully started.
    public var onReady: (@Sendable (HostPort) -> Void)?

    public init(configuration: NodeConfigurationFile, logger: Logger, adapters: (any AdapterFactory)? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.adapters = adapters
        self.onReady = nil
    }

    /// The node's `SyncNode` settings from the file and its key.
    public static func nodeConfiguration(
        _ file: NodeConfigurationFile, identity: NodeKeyPair
    ) throws(DaemonError) -> SyncNodeConfiguration {
        if let own = file.peers.first(where: { $0.publicKey == identity.nodeID }) {
            throw DaemonError.selfAsPeer(peer: own.name)
        }
        let peers = file.peers.compactMap { peer in
            peer.address.map { PeerAddress(node: peer.publicKey, host: $0.host, port: $0.port) }
        }
        var configuration = SyncNodeConfiguration(
            identity: identity, host: file.node.listen.host, port: file.node.listen.port, peers: peers,
            members: Set(file.peers.filter { $0.address == nil }.map(\.publicKey)))
        configuration.maxClockOffsetMillis = file.node.maxClockDriftMillis
        configuration.sync.fieldOwners = AdapterMappingBuilder.fieldOwners(file, own: identity.nodeID)
        configuration.sync.stateSources = Set(file.peers.filter(\.stateSource).map(\.publicKey))
        return configuration
    }

    /// Reads the node's key pair from `key_file`.
    public static func readKey(_ file: NodeConfigurationFile) throws(DaemonError) -> NodeKeyPair {
        do {
            return try NodeKeyFile.read(from: file.node.keyFile)
        } catch {
            throw DaemonError.keyFile(detail: "\(error)")
        }
    }

    /// Runs the node until SIGINT or SIGTERM (or until a service fails).
    public func run() async throws(DaemonError) {
        let identity = try Self.readKey(configuration)
        var nodeConfiguration = try Self.nodeConfiguration(configuration, identity: identity)
        let log = NodeEventLog(logger: logger, peers: configuration.peers)
        let metrics = DaemonMetrics()
        let hub = AdapterHub()
        nodeConfiguration.observer = { event in
            log.event(event)
            hub.forward(event)
            Self.countConflicts(event, metrics: metrics)
        }
        let rules = try Self.ruleRunner(configuration)
        if let rules { nodeConfiguration.localCommits = { rules.receive($0) } }
        nodeConfiguration.transport.events = TransportEvents(
            rejected: { log.transportRefused($0) }, authenticated: { log.authenticated($0) })
        let node = try openNode(nodeConfiguration)
        do {
            try await node.start()
        } catch {
            try? await node.shutdown()
            if case NodeError.bindFailed(_, _, let detail) = error {
                throw DaemonError.listenFailed(address: configuration.node.listen.description, detail: detail)
            }
            throw DaemonError.node(detail: "cannot start the node: \(error)")
        }
        do {
            try await runServices(
                node, log: log, clock: nodeConfiguration.clock, metrics: metrics, hub: hub, rules: rules)
        } catch {
            try? await node.shutdown()
            throw error
        }
        do {
            try await node.shutdown()
        } catch {
            throw DaemonError.node(detail: "shutting down: \(error)")
        }
        logger.info("stopped")
    }

    private func openNode(_ nodeConfiguration: SyncNodeConfiguration) throws(DaemonError) -> SyncNode {
        let opened = try NodeStoreOpener.open(configuration.node, node: nodeConfiguration.node, now: nodeConfiguration.clock())
        return SyncNode(configuration: nodeConfiguration, store: opened.store, eventLoop: nil, closeStore: opened.close)
    }

    /// Counts the conflicts a peer's batch or a reconciliation resolved
    /// that lost a value (`tandem_conflicts_total{collection,field}`).
    static func countConflicts(_ event: SyncEvent, metrics: DaemonMetrics) {
        let (collection, report): (String, ApplyReport)
        switch event {
        case .applied(let batch, let applied): (collection, report) = (batch.collection, applied)
        case .reconciled(let name, let applied): (collection, report) = (name, applied)
        default: return
        }
        for conflict in report.conflicts where ApplyReport.losesValue(conflict) {
            metrics.countConflict(collection: collection, field: conflict.field)
        }
    }

    /// The runner of the file's rules, or nil without any.
    static func ruleRunner(_ file: NodeConfigurationFile) throws(DaemonError) -> RuleRunner? {
        guard !file.rules.isEmpty else { return nil }
        do {
            return RuleRunner(engine: try RuleEngine(rules: file.rules))
        } catch {
            throw DaemonError.node(detail: "rules: \(error)")
        }
    }

    private func runServices(
        _ node: SyncNode, log: NodeEventLog, clock: @escaping @Sendable () -> UInt64, metrics: DaemonMetrics, hub: AdapterHub,
        rules: RuleRunner?
    ) async throws(DaemonError) {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: NodeService(node: node, logger: logger), successTerminationBehavior: .gracefullyShutdownGroup,
                  failureTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let rules {
            var ruleLogger = logger
            ruleLogger[metadataKey: "component"] = "rules"
            services.append(.init(
                service: RuleService(runner: rules, node: node, clock: Self.wallMillis, logger: ruleLogger),
                successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        for settings in configuration.adapters {
            let adapter: any Service
            do {
                adapter = try await makeAdapter(settings, node: node, metrics: metrics, hub: hub)
            } catch {
                // The adapters started so far stop before the node does.
                await hub.stopAll()
                throw error
            }
            services.append(.init(
                service: adapter, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        hub.seal()
        let tracker = PeerTracker()
        services.append(.init(
            service: PeerWatchService(node: node, tracker: tracker, log: log, clock: clock),
            successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        let bound = BoundAddress()
        let settings = configuration.node
        let parityCheck = ParityCheck(
            node: node, hub: hub, metrics: metrics,
            peerNames: Dictionary(configuration.peers.map { ($0.publicKey, $0.name) }, uniquingKeysWith: { first, _ in first }))
        let activeAlerts = ActiveAlerts()
        let inspector = NodeInspector(
            node: node, configuration: configuration, tracker: tracker, metrics: metrics, hub: hub,
            parityCheck: parityCheck, alerts: activeAlerts, startedAt: Date(),
            adminAddress: { (bound.value ?? settings.admin).description })
        let logger = self.logger
        let onReady = self.onReady
        let listen = HostPort(host: settings.listen.host, port: node.boundPort ?? settings.listen.port)
        for service in housekeeping(node, inspector: inspector, parityCheck: parityCheck, alerts: activeAlerts, metrics: metrics) {
            services.append(.init(
                service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        let operations = AdapterOperations(
            node: node, hub: hub, metrics: metrics, configuration: configuration, parityCheck: parityCheck)
        let admin = AdminServer(address: settings.admin, inspector: inspector, operations: operations, logger: logger)
            .makeApplication { address in
                bound.value = address
                logger.info(
                    "node \(settings.name) running",
                    metadata: ["node": "\(node.node.hex)", "listen": "\(listen)", "admin": "\(address)",
                               "peers": "\(self.configuration.peers.count)"])
                onReady?(address)
            }
        services.append(.init(
            service: admin, successTerminationBehavior: .gracefullyShutdownGroup,
            failureTerminationBehavior: .gracefullyShutdownGroup))
        var groupLogger = logger
        groupLogger.logLevel = .critical
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: groupLogger))
        do {
            try await group.run()
        } catch {
            guard bound.value != nil else {
                throw DaemonError.adminListenFailed(address: settings.admin.description, detail: "\(error)")
            }
            throw DaemonError.node(detail: "stopped on error: \(error)")
        }
    }

    /// The periodic work beside sync: alerts, the parity schedule (unless
    /// `parity_interval_minutes` is 0) and audit retention (unless
    /// `audit_retention_days` is 0).
    private func housekeeping(
        _ node: SyncNode, inspector: NodeInspector, parityCheck: ParityCheck, alerts: ActiveAlerts, metrics: DaemonMetrics
    ) -> [any Service] {
        let settings = configuration.node
        var services: [any Service] = [
            AlertService(
                settings: configuration.alerts, node: settings.name, nodeID: node.node.hex,
                figures: { await inspector.alertFigures() }, clock: Self.wallMillis, logger: logger, metrics: metrics,
                active: alerts)
        ]
        if settings.parityIntervalMinutes > 0 {
            services.append(ParityScheduleService(
                check: parityCheck, interval: .milliseconds(Int64(settings.parityIntervalMinutes * 60_000)), logger: logger))
        }
        if settings.auditRetentionDays > 0, let store = node.store as? any AuditRetention {
            services.append(AuditRetentionService(
                store: store, retentionDays: settings.auditRetentionDays, clock: Self.wallMillis, logger: logger))
        }
        return services
    }

    /// Wall time in milliseconds since the Unix epoch.
    static let wallMillis: @Sendable () -> UInt64 = { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }

    private func makeAdapter(
        _ settings: AdapterSettings, node: SyncNode, metrics: DaemonMetrics, hub: AdapterHub
    ) async throws(DaemonError) -> any Service {
        guard let adapters else {
            throw DaemonError.adapterUnavailable(
                adapter: settings.name, detail: "this build of tandem has no \(settings.kind.rawValue) adapter yet")
        }
        guard let collection = configuration.collection(named: settings.collection) else {
            throw DaemonError.adapterUnavailable(adapter: settings.name, detail: "no collection \(settings.collection)")
        }
        var logger = self.logger
        logger[metadataKey: "adapter"] = "\(settings.name)"
        let context = AdapterContext(
            settings: settings, collection: collection, configuration: configuration, node: node, logger: logger,
            metrics: metrics, hub: hub)
        do {
            return try await adapters.makeAdapter(context)
        } catch let error as DaemonError {
            throw error
        } catch {
            throw DaemonError.adapterFailed(adapter: settings.name, detail: "\(error)")
        }
    }
}

/// The admin address once bound, shared with the status handler.
final class BoundAddress: Sendable {
    private let state = Mutex<HostPort?>(nil)

    var value: HostPort? {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
