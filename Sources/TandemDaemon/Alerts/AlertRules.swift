/// The figures the alert rules read, taken from the running node at one
/// moment (``NodeInspector/alertFigures()``).
public struct AlertFigures: Hashable, Sendable {
    /// Sync errors since the node started (a counter: it never goes down):
    /// store failures, dropped sends, peers cut off or not reading, refused
    /// messages, adapter driver errors and rows not synced. Failed dials are
    /// not counted: a peer that is down is a disconnected peer.
    public var errors: Int
    /// Each adapter's last parity ratio (adapters not checked yet are absent).
    public var parity: [String: Double]
    /// Each paused adapter, with the reason.
    public var paused: [String: String]
    /// Each adapter's held deletes (0 or absent: none).
    public var heldDeletes: [String: Int]
    /// Each peer this node dials, by name: how long it has been
    /// disconnected, in milliseconds (0 while connected; since the last
    /// contact, or since start for a peer never reached).
    public var peersDown: [String: UInt64]

    public init(
        errors: Int = 0, parity: [String: Double] = [:], paused: [String: String] = [:], heldDeletes: [String: Int] = [:],
        peersDown: [String: UInt64] = [:]
    ) {
        self.errors = errors
        self.parity = parity
        self.paused = paused
        self.heldDeletes = heldDeletes
        self.peersDown = peersDown
    }
}

/// The alert rules as a pure state machine: figures and the time in, the
/// alerts to fire or resolve out. No clock, no I/O: the daemon's
/// `AlertService` reads the figures, passes the time and sends what comes
/// out.
///
/// - sync errors: more than ``Thresholds/errorsPerMinute`` errors within the
///   last minute (the counter's rise since the newest sample at least a
///   minute old, or since start); resolved once the last minute holds at
///   most that many;
/// - parity: an adapter's last parity ratio below ``Thresholds/minParity``;
///   resolved when a later check is at or above it;
/// - an adapter paused; resolved when it runs again;
/// - an adapter holding deletes for approval; resolved when none are held;
/// - a peer this node dials disconnected for ``Thresholds/peerDownMillis``
///   or longer; resolved when it is connected again.
///
/// Each alert fires once when its condition starts and is resolved once
/// when it ends. After firing, the same alert (kind and adapter) does not
/// fire again until ``Thresholds/cooldownMillis`` has passed: a condition
/// that clears (resolved) and returns within it fires again only once the
/// cooldown is over, if it still holds then.
///
/// ```swift
/// var rules = AlertRules(thresholds: .init(errorsPerMinute: 10, minParity: 0.99, cooldownMillis: 300_000), start: now)
/// for alert in rules.evaluate(figures, now: now) { send(alert) }
/// ```
/// - Complexity: O(adapters + samples in one minute) per evaluation.
public struct AlertRules: Sendable {
    /// The limits (from `[alerts]`).
    public struct Thresholds: Hashable, Sendable {
        /// More errors than this within a minute fire; 0 is off.
        public var errorsPerMinute: Int
        /// A parity ratio below this fires; 0 is off.
        public var minParity: Double
        /// The least time between two firings of one alert.
        public var cooldownMillis: UInt64
        /// A peer disconnected this long fires; 0 is off.
        public var peerDownMillis: UInt64

        public init(errorsPerMinute: Int, minParity: Double, cooldownMillis: UInt64, peerDownMillis: UInt64 = 0) {
            self.errorsPerMinute = errorsPerMinute
            self.minParity = minParity
            self.cooldownMillis = cooldownMillis
            self.peerDownMillis = peerDownMillis
        }

        public init(_ settings: AlertSettings) {
            self.init(
                errorsPerMinute: settings.errorRatePerMinute, minParity: settings.minParity,
                cooldownMillis: UInt64(settings.cooldownSeconds) * 1000,
                peerDownMillis: UInt64(settings.peerDownSeconds) * 1000)
        }
    }

    /// One alert's identity: its kind and adapter.
    struct Key: Hashable, Sendable {
        var kind: Alert.Kind
        var subject: String?
    }

    /// The window the error rate is measured over.
    public static let windowMillis: UInt64 = 60_000

    public let thresholds: Thresholds
    /// Error counter samples, oldest first; the first is the baseline.
    private var samples: [(at: UInt64, errors: Int)]
    /// Alerts firing now, with when they fired.
    private var firing: [Key: UInt64] = [:]
    /// When each alert last fired.
    private var lastFired: [Key: UInt64] = [:]

    /// Rules that count errors from `start` (the error counter is 0 then).
    public init(thresholds: Thresholds, start: UInt64, errorsAtStart: Int = 0) {
        self.thresholds = thresholds
        self.samples = [(start, errorsAtStart)]
    }

    /// Alerts firing now, by kind and adapter.
    public var active: [(kind: Alert.Kind, subject: String?)] {
        firing.keys.sorted { ($0.kind.rawValue, $0.subject ?? "") < ($1.kind.rawValue, $1.subject ?? "") }
            .map { ($0.kind, $0.subject) }
    }

    /// Errors counted within the last minute at `now`, after recording
    /// `errors` as the counter's value at `now`.
    mutating func errorsInWindow(_ errors: Int, now: UInt64) -> Int {
        samples.append((now, errors))
        let windowStart = now >= Self.windowMillis ? now - Self.windowMillis : 0
        // Keep the newest sample at or before the window's start as the baseline.
        if let baseline = samples.lastIndex(where: { $0.at <= windowStart }), baseline > 0 {
            samples.removeFirst(baseline)
        }
        return max(0, errors - samples[0].errors)
    }

    /// Applies the rules to `figures` at `now` (wall milliseconds, not
    /// decreasing) and returns the alerts that fire or resolve, in a stable
    /// order (by kind, then adapter).
    public mutating func evaluate(_ figures: AlertFigures, now: UInt64) -> [Alert] {
        var conditions: [Key: Condition] = [:]
        let recent = errorsInWindow(figures.errors, now: now)
        if thresholds.errorsPerMinute > 0 {
            let limit = thresholds.errorsPerMinute
            conditions[Key(kind: .syncErrors, subject: nil)] = Condition(
                holds: recent > limit, value: Double(recent), threshold: Double(limit),
                firing: "\(recent) sync errors in the last minute, more than \(limit) (tandem status, tandem audit)",
                resolved: "sync errors back to \(recent) in the last minute, at most \(limit)")
        }
        if thresholds.minParity > 0 {
            for (adapter, ratio) in figures.parity {
                let limit = thresholds.minParity
                conditions[Key(kind: .lowParity, subject: adapter)] = Condition(
                    holds: ratio < limit, value: ratio, threshold: limit,
                    firing: "record parity of \(adapter) is \(Self.ratio(ratio)), below \(Self.ratio(limit)): rows differed from the CRDT state and were repaired",
                    resolved: "record parity of \(adapter) back to \(Self.ratio(ratio))")
            }
        }
        for (adapter, reason) in figures.paused {
            conditions[Key(kind: .adapterPaused, subject: adapter)] = Condition(
                holds: true, value: 1, threshold: nil, firing: "adapter \(adapter) paused: \(reason)",
                resolved: "adapter \(adapter) runs again")
        }
        for (adapter, held) in figures.heldDeletes where held > 0 {
            conditions[Key(kind: .deletesHeld, subject: adapter)] = Condition(
                holds: true, value: Double(held), threshold: nil,
                firing: "adapter \(adapter) holds \(held) deletes for approval (tandem deletes, approve-deletes, reject-deletes)",
                resolved: "adapter \(adapter) holds no deletes")
        }
        if thresholds.peerDownMillis > 0 {
            let limit = thresholds.peerDownMillis
            for (peer, down) in figures.peersDown {
                conditions[Key(kind: .peerDown, subject: peer)] = Condition(
                    holds: down >= limit, value: Double(down / 1000), threshold: Double(limit / 1000),
                    firing: "peer \(peer) disconnected for \(down / 1000) s (tandem status; the node redials it with backoff)",
                    resolved: "peer \(peer) connected again")
            }
        }
        var alerts: [Alert] = []
        // Firing alerts whose condition is gone (or no longer measured) resolve.
        for (key, _) in firing where conditions[key]?.holds != true {
            firing[key] = nil
            let condition = conditions[key] ?? Self.gone(key)
            alerts.append(Alert(
                kind: key.kind, status: .resolved, subject: key.subject, value: condition.value,
                threshold: condition.threshold, summary: condition.resolved, atMillis: now))
        }
        for (key, condition) in conditions where condition.holds && firing[key] == nil {
            if let last = lastFired[key], now < last + thresholds.cooldownMillis { continue }
            firing[key] = now
            lastFired[key] = now
            alerts.append(Alert(
                kind: key.kind, status: .firing, subject: key.subject, value: condition.value,
                threshold: condition.threshold, summary: condition.firing, atMillis: now))
        }
        return alerts.sorted { ($0.kind.rawValue, $0.subject ?? "", $0.status.rawValue) < ($1.kind.rawValue, $1.subject ?? "", $1.status.rawValue) }
    }

    /// Whether an alert's condition holds, and what to say either way.
    struct Condition {
        var holds: Bool
        var value: Double
        var threshold: Double?
        var firing: String
        var resolved: String
    }

    /// The resolution of an alert whose adapter no longer reports it.
    private static func gone(_ key: Key) -> Condition {
        let subject = key.subject ?? "the node"
        let text: String
        switch key.kind {
        case .syncErrors: text = "sync error alert turned off"
        case .lowParity: text = "record parity of \(subject) no longer reported"
        case .adapterPaused: text = "adapter \(subject) runs again"
        case .deletesHeld: text = "adapter \(subject) holds no deletes"
        case .peerDown: text = "peer \(subject) no longer watched"
        }
        return Condition(holds: false, value: 0, threshold: nil, firing: text, resolved: text)
    }

    static func ratio(_ value: Double) -> String {
        let scaled = Int((value * 10_000).rounded())
        let fraction = String(scaled % 10_000)
        return "\(scaled / 10_000).\(String(repeating: "0", count: 4 - fraction.count))\(fraction)"
    }
}
