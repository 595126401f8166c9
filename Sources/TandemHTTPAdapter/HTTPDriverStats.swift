import Synchronization

/// What an HTTP driver counted since it started: requests, rate limits and
/// retries, webhooks accepted and refused, and the observations it ignored
/// (echoes of its own writes, duplicate or late deliveries).
public struct HTTPDriverStats: Hashable, Sendable {
    /// Requests sent (every attempt).
    public var requests = 0
    /// Answers of HTTP 429 (each waited out, `Retry-After` honoured).
    public var rateLimited = 0
    /// Attempts repeated after a 5xx, a timeout or a lost connection.
    public var retried = 0
    /// Milliseconds waited for the request budget.
    public var budgetWaitMillis: Int64 = 0
    public var webhooksAccepted = 0
    /// Webhooks refused for a missing or wrong signature.
    public var webhooksRejected = 0
    /// Modifications captured into the outbox.
    public var captured = 0
    /// Observations of the driver's own writes, ignored.
    public var echoes = 0
    /// Observations of a modification already seen, or older than one seen.
    public var stale = 0
    /// Writes refused as stale (409, 412) and retried after a re-read.
    public var conflicts = 0
    /// Completed polls.
    public var polls = 0
    /// Walks of the whole list (first attach) and walks repeated because
    /// the list changed under the reader.
    public var walks = 0
    public var rewalks = 0
    /// The last failure of a poll or a webhook's processing.
    public var lastError: String?

    public init() {}
}

/// The driver's counters, shared by the driver, its transport and its
/// webhook receiver (a reference: a `Mutex` cannot be copied).
final class StatsBox: Sendable {
    private let state = Mutex(HTTPDriverStats())

    func withLock<T: Sendable>(_ body: (inout HTTPDriverStats) -> T) -> T {
        state.withLock { body(&$0) }
    }
}
