/// How long to wait before dialling a peer again: exponential backoff with
/// jitter, so that nodes that lost each other at the same moment do not
/// redial in lock-step.
///
/// After `n` consecutive failed attempts the delay is
/// `min(maxDelayMillis, baseDelayMillis × 2ⁿ)` scaled by a factor drawn
/// uniformly from [1/2, 1] ("equal jitter": never less than half the
/// exponential delay, so a failing peer is not hammered, and never more than
/// it). A connection that authenticated resets `n` to zero.
///
/// ```swift
/// var policy = ReconnectPolicy(baseDelayMillis: 50, maxDelayMillis: 2_000)
/// policy.delayMillis(afterFailures: 3)  // between 200 and 400
/// ```
public struct ReconnectPolicy: Sendable {
    /// The delay after the first failure (before jitter).
    public var baseDelayMillis: UInt64
    /// The cap on the delay (before jitter).
    public var maxDelayMillis: UInt64
    /// The jitter source: a number in [0, 1] per call (values outside are
    /// clamped). Inject a fixed or seeded source in tests.
    public var jitter: @Sendable () -> Double

    /// - Precondition: `baseDelayMillis` is positive and at most `maxDelayMillis`.
    public init(
        baseDelayMillis: UInt64 = 100, maxDelayMillis: UInt64 = 10_000,
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        precondition(baseDelayMillis > 0 && baseDelayMillis <= maxDelayMillis, "need 0 < baseDelayMillis <= maxDelayMillis")
        self.baseDelayMillis = baseDelayMillis
        self.maxDelayMillis = maxDelayMillis
        self.jitter = jitter
    }

    /// The delay before the next attempt after `failures` consecutive
    /// failures (0: the first retry after a session ended).
    public func delayMillis(afterFailures failures: Int) -> UInt64 {
        let exponent = UInt64(min(max(failures, 0), 32))
        let (scaled, overflow) = baseDelayMillis.multipliedReportingOverflow(by: 1 << exponent)
        let capped = overflow ? maxDelayMillis : min(scaled, maxDelayMillis)
        let draw = jitter()
        let factor = 0.5 + 0.5 * (draw.isNaN ? 1 : min(max(draw, 0), 1))
        return UInt64((Double(capped) * factor).rounded())
    }
}
