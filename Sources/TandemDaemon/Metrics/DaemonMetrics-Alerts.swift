import Prometheus

extension DaemonMetrics {
    /// Counts an alert fired or resolved (`tandem_alerts_total{alert,status}`).
    func countAlert(_ alert: Alert) {
        registry.makeCounter(
            descriptor: Self.name("alerts", unit: "total", help: "Alerts fired and resolved, by alert and status"),
            labels: [("alert", alert.kind.rawValue), ("status", alert.status.rawValue)]
        ).increment()
    }

    /// Sets how many alerts are firing (`tandem_alerts_firing`).
    func setAlertsFiring(_ count: Int) {
        registry.makeGauge(
            descriptor: Self.name("alerts", unit: "firing", help: "Alerts firing now"), labels: []
        ).set(to: Double(count))
    }

    /// Counts a webhook delivery that failed every attempt
    /// (`tandem_alert_webhook_failures_total`).
    func countWebhookFailure() {
        registry.makeCounter(
            descriptor: Self.name(
                "alert_webhook_failures", unit: "total", help: "Alert webhook deliveries that failed every attempt"),
            labels: []
        ).increment()
    }
}
