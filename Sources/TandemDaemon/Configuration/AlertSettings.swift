/// The `[alerts]` section: when the node raises an alert (an error log line
/// and, with ``webhook``, a JSON POST) and how the webhook is called.
///
/// Guarantees (checked by ``NodeConfigurationFile``): the webhook, when set,
/// is an `http://` or `https://` URL; every number is in range. A file
/// without `[alerts]` gets these defaults: alerts are logged, not posted.
public struct AlertSettings: Hashable, Sendable {
    /// Where alerts are POSTed as JSON; nil logs them only.
    public var webhook: String?
    /// More sync errors than this within one minute fire an alert; 0 turns
    /// the error alert off.
    public var errorRatePerMinute: Int
    /// A parity check finding a lower ratio fires an alert; 0 turns the
    /// parity alert off.
    public var minParity: Double
    /// The least time between two firings of one alert (so a flapping
    /// problem does not flood the webhook).
    public var cooldownSeconds: Int
    /// How often the figures are read and the rules applied.
    public var checkIntervalSeconds: Int
    /// The time one webhook request may take.
    public var webhookTimeoutSeconds: Int
    /// Further attempts after a failed POST (with backoff 1 s, 2 s, 4 s, …).
    public var webhookRetries: Int
    /// A peer this node dials that stays disconnected this long fires an
    /// alert; 0 turns the peer alert off.
    public var peerDownSeconds: Int

    public static let defaultErrorRatePerMinute = 10
    public static let defaultMinParity = 0.99
    public static let defaultCooldownSeconds = 300
    public static let defaultCheckIntervalSeconds = 10
    public static let defaultWebhookTimeoutSeconds = 5
    public static let defaultWebhookRetries = 3
    public static let defaultPeerDownSeconds = 300

    public init(
        webhook: String? = nil, errorRatePerMinute: Int = AlertSettings.defaultErrorRatePerMinute,
        minParity: Double = AlertSettings.defaultMinParity, cooldownSeconds: Int = AlertSettings.defaultCooldownSeconds,
        checkIntervalSeconds: Int = AlertSettings.defaultCheckIntervalSeconds,
        webhookTimeoutSeconds: Int = AlertSettings.defaultWebhookTimeoutSeconds,
        webhookRetries: Int = AlertSettings.defaultWebhookRetries,
        peerDownSeconds: Int = AlertSettings.defaultPeerDownSeconds
    ) {
        self.webhook = webhook
        self.errorRatePerMinute = errorRatePerMinute
        self.minParity = minParity
        self.cooldownSeconds = cooldownSeconds
        self.checkIntervalSeconds = checkIntervalSeconds
        self.webhookTimeoutSeconds = webhookTimeoutSeconds
        self.webhookRetries = webhookRetries
        self.peerDownSeconds = peerDownSeconds
    }
}
