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

    /// Creates limits; the defaults suit business records.
    public init(
        maxStringBytes: Int = 1 << 20,
        maxBytesLength: Int = 4 << 20,
        maxIdentifierBytes: Int = 512,
        maxEncodedBytes: Int = 256 << 20
    ) {
        self.maxStringBytes = maxStringBytes
        self.maxBytesLength = maxBytesLength
        self.maxIdentifierBytes = maxIdentifierBytes
        self.maxEncodedBytes = maxEncodedBytes
    }

    /// The default limits: 1 MiB strings, 4 MiB byte values, 512-byte
    /// identifiers, 256 MiB encodings.
    public static let `default` = Limits()
}
