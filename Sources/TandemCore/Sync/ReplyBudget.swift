/// How many bytes of reconciliation records this node may still send one
/// peer: a token bucket over bytes, so that small requests cannot make the
/// node send without bound (a 179-byte bucket digest can ask for a whole
/// collection). Each request's reply is also capped on its own.
///
/// Guarantees: over any interval of `t` seconds, at most
/// `burstBytes + t * bytesPerSecond` bytes of records go to one peer, and at
/// most `maxBytesPerRequest` in answer to one request. A reply cut short is
/// not an error: the requester reconciles again next round and asks only
/// for what still differs, so catching up proceeds at `bytesPerSecond`.
///
/// Pure: time comes from the caller.
public struct ReplyBudget: Hashable, Sendable {
    /// The bucket's size, in bytes.
    public var burstBytes: Int
    /// The bucket's refill rate, in bytes per second.
    public var bytesPerSecond: Int
    /// The most record bytes sent in answer to one request.
    public var maxBytesPerRequest: Int

    private var available: Int
    private var updatedAt: UInt64?

    /// The defaults: 32 MiB of burst, 8 MiB a second, 4 MiB per request.
    public init(burstBytes: Int = 32 << 20, bytesPerSecond: Int = 8 << 20, maxBytesPerRequest: Int = 4 << 20) {
        self.burstBytes = burstBytes
        self.bytesPerSecond = bytesPerSecond
        self.maxBytesPerRequest = maxBytesPerRequest
        available = burstBytes
    }

    /// The bytes one request may be answered with at wall time `now`.
    public mutating func allowance(now: UInt64) -> Int {
        refill(now: now)
        return max(0, min(available, maxBytesPerRequest))
    }

    /// Takes `bytes` sent from the bucket.
    public mutating func spend(_ bytes: Int) {
        available -= bytes
    }

    private mutating func refill(now: UInt64) {
        defer { updatedAt = now }
        guard let updatedAt, now > updatedAt else { return }
        let earned = Double(now - updatedAt) / 1_000 * Double(bytesPerSecond)
        available = Int(min(Double(burstBytes), Double(available) + earned))
    }
}
