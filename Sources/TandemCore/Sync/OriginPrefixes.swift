// OriginPrefixes: short origin references in delta summaries (docs/protocol.md, "Delta summaries").

/// The origins a node knows (its trusted origins and itself), by the first
/// 8 bytes of their ids: delta summaries name an origin by that prefix
/// instead of its 32-byte id, and the receiver resolves it here.
///
/// Guarantees: `resolve` returns the one known origin whose id begins with
/// the prefix, or nil when none does or several do (an entry that names
/// nothing is dropped; the anti-entropy backstop covers what it carried).
public struct OriginPrefixes: Sendable, Hashable {
    private let origins: [UInt64: NodeID]
    private let ambiguous: Set<UInt64>

    /// Indexes `origins` by their prefixes.
    public init<Origins: Sequence>(_ origins: Origins) where Origins.Element == NodeID {
        var byPrefix: [UInt64: NodeID] = [:]
        var ambiguous: Set<UInt64> = []
        for origin in origins {
            let prefix = Self.prefix(of: origin)
            if let known = byPrefix[prefix], known != origin { ambiguous.insert(prefix) }
            byPrefix[prefix] = origin
        }
        for prefix in ambiguous { byPrefix[prefix] = nil }
        self.origins = byPrefix
        self.ambiguous = ambiguous
    }

    /// No origins: every prefix resolves to nothing.
    public init() {
        self.init([NodeID]())
    }

    /// The first 8 bytes of `origin`'s id, as a big-endian number.
    public static func prefix(of origin: NodeID) -> UInt64 { origin.w0 }

    /// The known origin whose id begins with `prefix`, if exactly one does.
    public func resolve(_ prefix: UInt64) -> NodeID? { origins[prefix] }
}
