import Foundation
import Logging
import ServiceLifecycle

/// The daemon side of alerts: every `check_interval_seconds` it reads the
/// node's figures, applies the ``AlertRules`` and, for each alert that
/// fires or resolves, logs a line (`error` when firing, `info` when
/// resolved), counts it (`tandem_alerts_total`) and, with a webhook,
/// queues its JSON for ``AlertWebhook``.
///
/// Guarantees: sending never holds up the checks or sync: deliveries run
/// in a task of their own from a queue of at most 256 alerts (the oldest
/// are dropped past it); graceful shutdown ends the checks and drops what
/// is still queued.
struct AlertService: Service, CustomStringConvertible {
    let settings: AlertSettings
    /// The node's name and id, in every payload.
    let node: String
    let nodeID: String
    let figures: @Sendable () async -> AlertFigures
    /// Wall milliseconds since the Unix epoch.
    let clock: @Sendable () -> UInt64
    let logger: Logger
    let metrics: DaemonMetrics
    /// Where the firing alerts are published for status.
    let active: ActiveAlerts
    /// The first retry's delay (doubling after).
    var backoff: Duration = .seconds(1)

    var description: String { "alerts" }

    func run() async throws {
        let webhook = settings.webhook.map { url in
            AlertWebhook(
                url: url, timeout: .seconds(settings.webhookTimeoutSeconds), retries: settings.webhookRetries,
                backoff: backoff, logger: logger, metrics: metrics)
        }
        let (queue, continuation) = AsyncStream.makeStream(of: (body: Data, alert: String).self, bufferingPolicy: .bufferingNewest(256))
        await withTaskGroup(of: Void.self) { group in
            if let webhook {
                group.addTask {
                    for await item in queue { await webhook.deliver(item.body, alert: item.alert) }
                }
            }
            await cancelWhenGracefulShutdown { await self.check(webhook != nil ? continuation : nil) }
            continuation.finish()
            group.cancelAll()
        }
        await webhook?.shutdown()
    }

    /// The check loop, until cancelled.
    private func check(_ queue: AsyncStream<(body: Data, alert: String)>.Continuation?) async {
        var rules = AlertRules(thresholds: .init(settings), start: clock())
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(settings.checkIntervalSeconds))
            } catch {
                return
            }
            let figures = await figures()
            let alerts = rules.evaluate(figures, now: clock())
            metrics.setAlertsFiring(rules.active.count)
            active.set(rules.active)
            for alert in alerts {
                log(alert)
                metrics.countAlert(alert)
                if let queue, let body = try? AlertPayload(alert, node: node, nodeID: nodeID).encode() {
                    queue.yield((body, alert.kind.rawValue))
                }
            }
        }
    }

    private func log(_ alert: Alert) {
        var metadata: Logger.Metadata = ["alert": "\(alert.kind.rawValue)", "value": "\(alert.value)"]
        if let subject = alert.subject { metadata["adapter"] = "\(subject)" }
        if let threshold = alert.threshold { metadata["threshold"] = "\(threshold)" }
        switch alert.status {
        case .firing: logger.error("alert: \(alert.summary)", metadata: metadata)
        case .resolved: logger.info("alert resolved: \(alert.summary)", metadata: metadata)
        }
    }
}
