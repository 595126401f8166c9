import Foundation

/// A per-connector request budget: a token bucket of `burst` requests
/// refilled at `perSecond` (pure: time is passed in).
///
/// Guarantees: over any window of `t` seconds at most `burst + perSecond * t`
/// requests are granted; a request is never refused, only told how long to
/// wait.
public struct RequestBudget: Sendable {
    public let perSecond: Double
    public let burst: Double
    private var tokens: Double
    private var lastMillis: Int64?

    public init(perSecond: Double, burst: Int) {
        self.perSecond = max(perSecond, 0.001)
        self.burst = Double(max(burst, 1))
        self.tokens = Double(max(burst, 1))
    }

    /// Takes one request's token at `now`; returns how many milliseconds the
    /// caller must wait before sending (0: at once).
    public mutating func take(now: Int64) -> Int64 {
        if let last = lastMillis, now > last {
            tokens = min(burst, tokens + Double(now - last) / 1000 * perSecond)
        }
        lastMillis = max(lastMillis ?? now, now)
        tokens -= 1
        guard tokens < 0 else { return 0 }
        return Int64((-tokens / perSecond * 1000).rounded(.up))
    }
}

/// Exponential backoff with full jitter between attempts of one request
/// (pure: the random fraction is passed in).
public struct RetryBackoff: Hashable, Sendable {
    public var baseMillis: Int
    public var maxMillis: Int

    public init(baseMillis: Int, maxMillis: Int) {
        self.baseMillis = max(baseMillis, 1)
        self.maxMillis = max(maxMillis, baseMillis)
    }

    /// The wait before attempt `attempt` (1: the first retry), given a
    /// random `fraction` in 0..<1: between half and all of
    /// `base * 2^(attempt-1)`, capped at `max`.
    public func delayMillis(attempt: Int, fraction: Double) -> Int {
        let shift = min(max(attempt - 1, 0), 20)
        let ceiling = min(baseMillis << shift, maxMillis)
        let clamped = min(max(fraction, 0), 0.999_999)
        return ceiling / 2 + Int(Double(ceiling - ceiling / 2) * clamped)
    }

    /// A `Retry-After` header's wait in milliseconds: seconds (`"2"`,
    /// fractions allowed) or nil when absent or unreadable (an HTTP date is
    /// not used: clocks differ). Capped at `maxMillis * 6`.
    public func retryAfterMillis(_ header: String?) -> Int? {
        guard let header, let seconds = Double(header.trimmingCharacters(in: .whitespaces)), seconds >= 0, seconds.isFinite
        else { return nil }
        return min(Int(seconds * 1000), maxMillis * 6)
    }
}
