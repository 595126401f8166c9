import Prometheus

extension DaemonMetrics {
    /// Counts a webhook an http adapter refused for its signature
    /// (`tandem_http_webhooks_rejected_total{adapter}`).
    public func countRejectedWebhook(adapter: String) {
        registry.makeCounter(
            descriptor: Self.name(
                "http_webhooks_rejected", unit: "total", help: "Webhooks an http adapter refused for a missing or wrong signature"),
            labels: [("adapter", adapter)]
        ).increment()
    }
}
