import Foundation
import TandemAdapters
import TandemCore
import TandemNode
import TandemStore
import TandemSync

/// Reads a running node's state for the admin endpoint: the status report
/// and the figures exported to Prometheus.
///
/// Guarantees: reads only (the node's snapshot properties and committed
/// store state), safe from any thread while the node runs.
final class NodeInspector: Sendable {
    let node: SyncNode
    let configuration: NodeConfigurationFile
    let tracker: PeerTracker
    let metrics: DaemonMetrics
    let hub: AdapterHub
    let parityCheck: ParityCheck
    let alerts: ActiveAlerts
    private let exporter: NodeMetricsExporter
    private let startedAt: Date
    /// The admin address actually bound (port 0 in the file picks one).
    private let adminAddress: @Sendable () -> String

    init(
        node: SyncNode, configuration: NodeConfigurationFile, tracker: PeerTracker, metrics: DaemonMetrics,
        hub: AdapterHub, parityCheck: ParityCheck, alerts: ActiveAlerts, startedAt: Date,
        adminAddress: @escaping @Sendable () -> String
    ) {
        self.hub = hub
        self.parityCheck = parityCheck
        self.alerts = alerts
        self.node = node
        self.configuration = configuration
        self.tracker = tracker
        self.metrics = metrics
        self.exporter = NodeMetricsExporter(metrics: metrics)
        self.startedAt = startedAt
        self.adminAddress = adminAddress
    }

    /// What the status report and the metrics read from the store, read in
    /// one go on NIO's blocking pool (`SyncNode.reading`), never on the
    /// concurrency pool the admin endpoint and the adapters share.
    private struct StoreFigures: Sendable {
        /// Batches held here.
        var held: BatchVector
        /// Batches each peer acknowledged (absent where the store cannot tell).
        var acknowledged: [NodeID: BatchVector]
        /// Each collection's record count and state digest, by name (only
        /// when asked for).
        var collections: [String: CollectionFigure]

        /// Batches held here that `peer` has not acknowledged; nil if the
        /// store cannot tell.
        func backlog(of peer: NodeID) -> UInt64? {
            guard let acknowledged = acknowledged[peer] else { return nil }
            var missing = held
            missing.subtract(acknowledged)
            return missing.held.dotCount
        }
    }

    private struct CollectionFigure: Sendable {
        var records: UInt64
        var digest: UInt64
    }

    private func storeFigures(withCollections: Bool) async throws(StoreError) -> StoreFigures {
        let peers = configuration.peers.map(\.publicKey)
        let configured = Set(configuration.collections.map(\.name))
        do {
            return try await node.reading { store in
                var figures = StoreFigures(held: try store.summary().batches, acknowledged: [:], collections: [:])
                for peer in peers {
                    if let acknowledged = try? store.acknowledged(by: peer) { figures.acknowledged[peer] = acknowledged }
                }
                guard withCollections else { return figures }
                for name in configured.union(try store.collections()) {
                    var figure = CollectionFigure(records: 0, digest: 0)
                    for (_, leaf) in try store.leafDigests(name) {
                        figure.records += leaf.count
                        figure.digest &+= leaf.digest
                    }
                    figures.collections[name] = figure
                }
                return figures
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.unavailable("reading the store: \(error)")
        }
    }

    /// Copies the node's figures into the Prometheus registry and renders it.
    func renderMetrics() async -> String {
        let connected = Set(node.connectedPeers)
        let figures = try? await storeFigures(withCollections: false)
        exporter.export(node.metrics, peers: configuration.peers.map { peer in
            .init(name: peer.name, connected: connected.contains(peer.publicKey), backlog: figures?.backlog(of: peer.publicKey))
        })
        exporter.exportAdapters(await adapterReports())
        return metrics.render()
    }

    /// Each adapter's status now.
    func adapterReports() async -> [StatusReport.Adapter] {
        var reports: [StatusReport.Adapter] = []
        for entry in hub.entries { reports.append(StatusReport.Adapter(entry.settings, await entry.runner.currentStatus())) }
        return reports
    }

    /// The status report now.
    func statusReport() async throws(StoreError) -> StatusReport {
        let adapters = await adapterReports()
        let now = Date()
        let connected = Set(node.connectedPeers)
        let figures = try await storeFigures(withCollections: true)
        let settings = configuration.node
        let listen = HostPort(host: settings.listen.host, port: node.boundPort ?? settings.listen.port)
        let report = StatusReport.Node(
            name: settings.name, id: node.node.hex, publicKey: node.node.hex, listen: listen.description,
            admin: adminAddress(), startedAt: Self.iso(startedAt),
            uptimeSeconds: Int(now.timeIntervalSince(startedAt)))
        let catchUps = node.metrics.catchUps
        let peers = configuration.peers.map { peer in
            let contact = tracker.contact(peer.publicKey)
            let isConnected = connected.contains(peer.publicKey)
            // A live session is contact now (its heartbeats keep it checked).
            return StatusReport.Peer(
                name: peer.name, id: peer.publicKey.hex, address: peer.address?.description ?? "(not dialled)",
                connected: isConnected,
                connectedSince: isConnected ? contact.connectedSince.map(Self.iso(millis:)) : nil,
                lastContact: isConnected ? Self.iso(now) : contact.lastContact.map(Self.iso(millis:)),
                deltasBehind: figures.backlog(of: peer.publicKey),
                catchUp: catchUps[peer.publicKey].map { progress in
                    StatusReport.CatchUp(
                        receivedRecords: progress.receivedRecords, remainingRecords: progress.remainingRecords,
                        receivedBytes: progress.receivedBytes, elapsedSeconds: progress.elapsedSeconds,
                        recordsPerSecond: progress.recordsPerSecond, secondsLeft: progress.secondsLeft,
                        finished: progress.finished, summary: progress.line)
                })
        }
        let collections = figures.collections.sorted { $0.key < $1.key }.map { name, figure in
            let hex = String(figure.digest, radix: 16)
            return StatusReport.Collection(
                name: name, records: figure.records, stateDigest: String(repeating: "0", count: 16 - hex.count) + hex)
        }
        let metrics = node.metrics
        var health = StatusReport.Health(
            deltasReceived: metrics.appliedBatches, deltasLocal: metrics.localBatches,
            messagesSent: metrics.messagesSent, messagesReceived: metrics.messagesReceived,
            bytesSent: metrics.bytesSent, bytesReceived: metrics.bytesReceived,
            rejectedMessages: metrics.totalRejections + metrics.totalTransportRejections,
            syncErrors: metrics.storeFailures + metrics.sendsDropped + metrics.dialFailures + metrics.peersCutOff
                + metrics.peersNotReading,
            conflicts: configuration.adapters.isEmpty
                ? nil : self.metrics.adapterFigures.conflicts + adapters.reduce(0) { $0 + $1.lostEdits },
            parityRatio: self.metrics.adapterFigures.parity,
            lastParityCheck: parityCheck.lastCompleted.map(Self.iso), alerts: alerts.current)
        if let latency = self.metrics.syncLatency {
            health.syncLatencyCount = latency.count
            health.syncLatencyP50Ms = latency.p50
            health.syncLatencyP99Ms = latency.p99
        }
        return StatusReport(node: report, peers: peers, collections: collections, health: health, adapters: adapters)
    }

    /// The figures the alert rules read (``AlertFigures``).
    func alertFigures() async -> AlertFigures {
        let node = self.node.metrics
        var figures = AlertFigures(
            errors: node.storeFailures + node.sendsDropped + node.peersCutOff + node.peersNotReading
                + node.totalRejections + node.totalTransportRejections,
            parity: metrics.parityByAdapter)
        let connected = Set(self.node.connectedPeers)
        let now = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        let started = UInt64(max(0, startedAt.timeIntervalSince1970 * 1000))
        for peer in configuration.peers where peer.address != nil {
            let since = tracker.contact(peer.publicKey).lastContact ?? started
            figures.peersDown[peer.name] = connected.contains(peer.publicKey) ? 0 : now - min(now, since)
        }
        for entry in hub.entries {
            let status = await entry.runner.currentStatus()
            figures.errors += status.errors + status.issues.values.reduce(0, +)
            if case .paused(let reason) = status.state { figures.paused[entry.name] = reason }
            if status.heldDeletes > 0 { figures.heldDeletes[entry.name] = status.heldDeletes }
        }
        return figures
    }

    static func iso(_ date: Date) -> String { date.ISO8601Format() }

    static func iso(millis: UInt64) -> String { iso(Date(timeIntervalSince1970: Double(millis) / 1000)) }
}
