extension ConfigurationParser {
    static let alertKeys = [
        "webhook", "error_rate_per_minute", "min_parity", "cooldown_seconds", "check_interval_seconds",
        "webhook_timeout_seconds", "webhook_retries", "peer_down_seconds",
    ]

    func parseAlerts(_ section: TOMLSection) throws(ConfigurationError) -> AlertSettings {
        var settings = AlertSettings()
        if let webhook = try section.string("webhook") {
            guard Self.isHTTPURL(webhook) else {
                throw section.error("webhook", "expected an http:// or https:// URL (such as \"http://127.0.0.1:8080/alerts\"), got \"\(webhook)\"")
            }
            settings.webhook = webhook
        }
        if let rate = try section.int("error_rate_per_minute") {
            guard rate >= 0 else {
                throw section.error("error_rate_per_minute", "expected 0 (off) or more errors per minute, got \(rate)")
            }
            settings.errorRatePerMinute = rate
        }
        if let parity = try section.double("min_parity") {
            guard parity >= 0, parity <= 1 else {
                throw section.error("min_parity", "expected a ratio from 0 (off) to 1, got \(parity)")
            }
            settings.minParity = parity
        }
        settings.cooldownSeconds = try seconds(section, "cooldown_seconds", minimum: 0) ?? settings.cooldownSeconds
        settings.checkIntervalSeconds = try seconds(section, "check_interval_seconds", minimum: 1) ?? settings.checkIntervalSeconds
        settings.webhookTimeoutSeconds = try seconds(section, "webhook_timeout_seconds", minimum: 1)
            ?? settings.webhookTimeoutSeconds
        if let retries = try section.int("webhook_retries") {
            guard (0...10).contains(retries) else {
                throw section.error("webhook_retries", "expected 0 to 10 further attempts, got \(retries)")
            }
            settings.webhookRetries = retries
        }
        settings.peerDownSeconds = try seconds(section, "peer_down_seconds", minimum: 0) ?? settings.peerDownSeconds
        try section.finish(expected: Self.alertKeys)
        return settings
    }

    private func seconds(_ section: TOMLSection, _ key: String, minimum: Int) throws(ConfigurationError) -> Int? {
        guard let value = try section.int(key) else { return nil }
        guard value >= minimum, value <= 86_400 else {
            throw section.error(key, "expected \(minimum) to 86400 seconds, got \(value)")
        }
        return value
    }

    /// `http://host…` or `https://host…` with a host.
    static func isHTTPURL(_ text: String) -> Bool {
        for scheme in ["http://", "https://"] where text.lowercased().hasPrefix(scheme) {
            let rest = text.dropFirst(scheme.count)
            return !rest.isEmpty && !rest.hasPrefix("/") && !rest.contains(where: \.isWhitespace)
        }
        return false
    }
}
