/// One alert the node raises or clears: what (``kind``), about which adapter
/// (``subject``, nil for the node), whether it fires or is resolved, and a
/// one-line ``summary`` for the log and the webhook.
public struct Alert: Hashable, Sendable {
    /// What the alert is about.
    public enum Kind: String, Hashable, Sendable, CaseIterable, Codable {
        /// More sync errors within a minute than `error_rate_per_minute`.
        case syncErrors = "sync_errors"
        /// An adapter's last parity check below `min_parity`.
        case lowParity = "low_parity"
        /// An adapter paused (a mapped column disappeared or changed type).
        case adapterPaused = "adapter_paused"
        /// An adapter holds a mass delete for approval.
        case deletesHeld = "deletes_held"
        /// A peer this node dials disconnected for `peer_down_seconds`.
        case peerDown = "peer_down"
    }

    /// Whether the problem starts or ends.
    public enum Status: String, Hashable, Sendable, Codable {
        case firing
        case resolved
    }

    public var kind: Kind
    public var status: Status
    /// The adapter concerned (`collection/kind/table`); nil for the node.
    public var subject: String?
    /// The figure that decided: errors in the last minute, the parity
    /// ratio, held deletes; 1 or 0 for a pause.
    public var value: Double
    /// The configured limit the figure crossed (nil where there is none).
    public var threshold: Double?
    /// One readable line.
    public var summary: String
    /// When it was decided, wall milliseconds since the Unix epoch.
    public var atMillis: UInt64

    public init(
        kind: Kind, status: Status, subject: String?, value: Double, threshold: Double?, summary: String, atMillis: UInt64
    ) {
        self.kind = kind
        self.status = status
        self.subject = subject
        self.value = value
        self.threshold = threshold
        self.summary = summary
        self.atMillis = atMillis
    }
}
