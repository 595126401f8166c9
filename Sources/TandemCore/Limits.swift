/// Bounds applied to everything the core accepts, locally or from a peer.
///
/// Every decoder checks lengths and counts against these limits before it
/// allocates, so hostile bytes cannot make a node allocate without bound.
public struct Limits: Hashable, Sendable {
    /// Maximum UTF-8 length of a string value.
    public var maxStringBytes: Int
    /// Maximum length of a bytes value.
    public var maxBytesLength: Int
    /// Maximum UTF-8 length of a record id or field name.
    public var maxIdentifierBytes: Int
    /// Maximum size of one encoded state or delta.
    public var maxEncodedBytes: Int
    /// The highest dot counter a peer's batch may claim in its causal
    /// context. Counters are per node and per collection and grow by one per
    /// write, so an honest node never comes near it (2^48 is nine years of a
    /// million writes a second); a claim beyond it can only be meant to use
    /// up a node's counters (`CoreError.dotCountersExhausted`).
    public var maxClaimedCounter: UInt64

    /// Creates limits; the defaults suit business records.
    public init(
        maxStringBytes: Int = 1 << 20,
        maxBytesLength: Int = 4 << 20,
        maxIdentifierBytes: Int = 512,
        maxEncodedBytes: Int = 256 << 20,
        maxClaimedCounter: UInt64 = 1 << 48
    ) {
        self.maxStringBytes = maxStringBytes
        self.maxBytesLength = maxBytesLength
        self.maxIdentifierBytes = maxIdentifierBytes
        self.maxEncodedBytes = maxEncodedBytes
        self.maxClaimedCounter = maxClaimedCounter
    }

    /// The default limits: 1 MiB strings, 4 MiB byte values, 512-byte
    /// identifiers, 256 MiB encodings, claimed counters up to 2^48.
    public static let `default` = Limits()
}
