/// A map from keys to nested dot stores, itself a dot store ("dot map" in
/// Almeida et al.). Joining joins each key's stores under the two contexts
/// and drops keys whose store ends up empty, so a removed key leaves nothing
/// behind but the dots in the causal context.
public struct DotMap<Key: Hashable & Comparable & Sendable, Store: DotStore>: DotStore {
    /// The non-empty stores, by key.
    public internal(set) var entries: [Key: Store]

    public init() { entries = [:] }

    /// A map with the given entries; empty stores are dropped.
    public init(_ entries: [Key: Store]) {
        self.entries = entries.filter { !$0.value.isEmpty }
    }

    @inlinable
    public var isEmpty: Bool { entries.isEmpty }

    public func forEachDot(_ body: (Dot) -> Void) {
        for store in entries.values { store.forEachDot(body) }
    }

    /// The store under `key`, or the empty store.
    public subscript(key: Key) -> Store {
        entries[key] ?? Store()
    }

    /// The keys, sorted.
    public var sortedKeys: [Key] { entries.keys.sorted() }

    public mutating func join(_ other: DotMap, selfContext: CausalContext, otherContext: CausalContext) {
        if other.entries.isEmpty {
            // Only removals can happen: skip the rebuild when nothing here was seen.
            if otherContext.isEmpty || !containsDot(seenBy: otherContext) { return }
        } else if entries.isEmpty {
            // Only additions can happen: take theirs, minus what we have seen.
            var incoming = other
            if !selfContext.isEmpty && incoming.containsDot(seenBy: selfContext) {
                incoming.join(DotMap(), selfContext: otherContext, otherContext: selfContext)
            }
            self = incoming
            return
        }
        for (key, theirs) in other.entries {
            var mine = entries.removeValue(forKey: key) ?? Store()
            mine.join(theirs, selfContext: selfContext, otherContext: otherContext)
            if !mine.isEmpty { entries[key] = mine }
        }
        for key in Array(entries.keys) where other.entries[key] == nil {
            guard var mine = entries.removeValue(forKey: key) else { continue }
            mine.join(Store(), selfContext: selfContext, otherContext: otherContext)
            if !mine.isEmpty { entries[key] = mine }
        }
    }

}
