/// The misbehaviours a fake API can be switched into, each the way a real
/// SaaS API shows it. All off by default.
public struct FakeFaults: Hashable, Sendable {
    /// The next this many requests answer HTTP 429 with `Retry-After`.
    public var rateLimitNext = 0
    /// The `Retry-After` header of those answers, in seconds (text, so
    /// fractions such as `"0.2"` can be sent).
    public var retryAfter = "1"
    /// The next this many requests answer HTTP 503.
    public var failNext = 0
    /// Creates and updates setting an email containing this text answer
    /// 400 (a value the API refuses: a partial failure of a batch).
    public var refuseEmailsContaining: String?
    /// Every webhook is delivered twice.
    public var duplicateWebhooks = false
    /// Webhooks are held until `releaseWebhooks(reversed:)` (late, and
    /// with `reversed` out of order).
    public var holdWebhooks = false
    /// Webhooks are signed with a wrong secret.
    public var badSignature = false
    /// After the first page of a list is served, this object is deleted
    /// (the list changes under the reader).
    public var deleteDuringListing: String?

    public init() {}
}
