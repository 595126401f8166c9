/// One write of a field: its dot, its hybrid timestamp and its value.
public struct RegisterEntry: Hashable, Sendable, CustomStringConvertible {
    /// The write's unique name; its node is the writer.
    public var dot: Dot
    /// When it was written, by the writer's hybrid logical clock.
    public var timestamp: HLCTimestamp
    /// What was written.
    public var value: Value

    @inlinable
    public init(dot: Dot, timestamp: HLCTimestamp, value: Value) {
        self.dot = dot
        self.timestamp = timestamp
        self.value = value
    }

    /// The order key: (timestamp, node id).
    @inlinable
    public var stamp: WriteStamp { WriteStamp(timestamp: timestamp, node: dot.node) }

    /// Whether `self` beats `other` as the last writer. Ties on the stamp
    /// (only possible from a misbehaving writer) fall to the dot, then the
    /// value, so the choice is still the same on every replica.
    @inlinable
    public func winsOver(_ other: RegisterEntry) -> Bool {
        if stamp != other.stamp { return stamp > other.stamp }
        if dot != other.dot { return dot > other.dot }
        return other.value < value
    }

    public var description: String { "\(value)@\(stamp)" }
}

/// The dot store of a last-writer-wins field: a map from dot to write
/// (a "dot fun" in Almeida et al.).
///
/// A local write replaces every entry it has seen with one new entry, so in
/// quiet times the store holds exactly one entry. Writes that were concurrent
/// (neither writer had seen the other's) are all kept until a later write
/// observes them: the *value* of the field is the entry with the greatest
/// `(timestamp, node id)`, and the others are its `conflicts`, which the node
/// reports and can restore. Keeping the losers as dots (rather than
/// discarding them as a plain LWW register would) is what lets a record
/// delete clear exactly the versions the deleter saw.
public struct RegisterStore: DotStore, Hashable {
    /// The entries, sorted by dot, one per dot.
    public private(set) var entries: [RegisterEntry]

    public init() { entries = [] }

    /// A store with the given entries; later duplicates of a dot lose to the
    /// deterministic winner.
    public init<S: Sequence>(_ entries: S) where S.Element == RegisterEntry {
        self.entries = []
        for entry in entries { insert(entry) }
    }

    /// A store from entries already sorted by unique dot (decoders check that).
    init(sortedUnique entries: [RegisterEntry]) { self.entries = entries }

    @inlinable
    public var isEmpty: Bool { entries.isEmpty }

    public func forEachDot(_ body: (Dot) -> Void) {
        for entry in entries { body(entry.dot) }
    }

    /// The last writer's entry, if any.
    public var winner: RegisterEntry? {
        guard var best = entries.first else { return nil }
        for entry in entries.dropFirst() where entry.winsOver(best) { best = entry }
        return best
    }

    /// The current value; `nil` when the field has no write.
    public var value: Value? { winner?.value }

    /// Entries that lost to `winner`: concurrent writes not yet overwritten.
    public var conflicts: [RegisterEntry] {
        guard let best = winner else { return [] }
        return entries.filter { $0.dot != best.dot }
    }

    /// Inserts one entry, keeping sort order; a second entry with the same
    /// dot keeps the deterministic winner of the two.
    mutating func insert(_ entry: RegisterEntry) {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].dot < entry.dot { low = mid + 1 } else { high = mid }
        }
        if low < entries.count && entries[low].dot == entry.dot {
            if entry.winsOver(entries[low]) { entries[low] = entry }
        } else {
            entries.insert(entry, at: low)
        }
    }

    public mutating func join(_ other: RegisterStore, selfContext: CausalContext, otherContext: CausalContext) {
        // Fast paths for the common one-entry shapes.
        if other.entries.isEmpty {
            if entries.contains(where: { otherContext.contains($0.dot) }) {
                entries.removeAll { otherContext.contains($0.dot) }
            }
            return
        }
        if entries.isEmpty {
            entries = other.entries
            if entries.contains(where: { selfContext.contains($0.dot) }) {
                entries.removeAll { selfContext.contains($0.dot) }
            }
            return
        }
        if entries == other.entries { return }
        var result: [RegisterEntry] = []
        result.reserveCapacity(entries.count + other.entries.count)
        var i = 0
        var j = 0
        while i < entries.count || j < other.entries.count {
            if j == other.entries.count || (i < entries.count && entries[i].dot < other.entries[j].dot) {
                if !otherContext.contains(entries[i].dot) { result.append(entries[i]) }
                i += 1
            } else if i == entries.count || other.entries[j].dot < entries[i].dot {
                if !selfContext.contains(other.entries[j].dot) { result.append(other.entries[j]) }
                j += 1
            } else {
                result.append(other.entries[j].winsOver(entries[i]) ? other.entries[j] : entries[i])
                i += 1
                j += 1
            }
        }
        entries = result
    }
}
