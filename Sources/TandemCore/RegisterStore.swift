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
///
/// Storage: nearly every register holds one entry, so one entry is kept
/// inline (no array, no allocation, one pointer fewer to follow); two or more
/// are kept in a sorted array. `entries` presents both as an array.
public struct RegisterStore: DotStore, Hashable {
    /// The entries: none, one inline, or two or more sorted by dot. Only
    /// these three shapes occur (`.many` never holds fewer than two), so
    /// equal stores have equal storage.
    enum Storage: Hashable, Sendable {
        case none
        case one(RegisterEntry)
        case many([RegisterEntry])

        init(_ entries: [RegisterEntry]) {
            switch entries.count {
            case 0: self = .none
            case 1: self = .one(entries[0])
            default: self = .many(entries)
            }
        }
    }

    var storage: Storage

    /// The entries, sorted by dot, one per dot.
    public internal(set) var entries: [RegisterEntry] {
        get {
            switch storage {
            case .none: []
            case .one(let entry): [entry]
            case .many(let entries): entries
            }
        }
        set { storage = Storage(newValue) }
    }

    public init() { storage = .none }

    /// A store with the given entries; later duplicates of a dot lose to the
    /// deterministic winner.
    public init<S: Sequence>(_ entries: S) where S.Element == RegisterEntry {
        storage = .none
        for entry in entries { insert(entry) }
    }

    /// A store from entries already sorted by unique dot (decoders check that).
    init(sortedUnique entries: [RegisterEntry]) { storage = Storage(entries) }

    /// A store of one entry.
    init(single entry: RegisterEntry) { storage = .one(entry) }

    public var isEmpty: Bool {
        if case .none = storage { return true }
        return false
    }

    /// The number of entries.
    var entryCount: Int {
        switch storage {
        case .none: 0
        case .one: 1
        case .many(let entries): entries.count
        }
    }

    /// Calls `body` with each entry in dot order, without building an array.
    func forEachEntry(_ body: (RegisterEntry) -> Void) {
        switch storage {
        case .none: break
        case .one(let entry): body(entry)
        case .many(let entries): for entry in entries { body(entry) }
        }
    }

    public func forEachDot(_ body: (Dot) -> Void) {
        forEachEntry { body($0.dot) }
    }

    /// The last writer's entry, if any.
    public var winner: RegisterEntry? {
        switch storage {
        case .none: return nil
        case .one(let entry): return entry
        case .many(let entries):
            guard var best = entries.first else { return nil }
            for entry in entries.dropFirst() where entry.winsOver(best) { best = entry }
            return best
        }
    }

    /// The current value; `nil` when the field has no write.
    public var value: Value? { winner?.value }

    /// Entries that lost to `winner`: concurrent writes not yet overwritten.
    public var conflicts: [RegisterEntry] {
        guard case .many(let entries) = storage, let best = winner else { return [] }
        return entries.filter { $0.dot != best.dot }
    }

    /// Inserts one entry, keeping sort order; a second entry with the same
    /// dot keeps the deterministic winner of the two.
    mutating func insert(_ entry: RegisterEntry) {
        var list = entries
        var low = 0
        var high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid].dot < entry.dot { low = mid + 1 } else { high = mid }
        }
        if low < list.count && list[low].dot == entry.dot {
            if entry.winsOver(list[low]) { list[low] = entry }
        } else {
            list.insert(entry, at: low)
        }
        entries = list
    }

    public mutating func join(_ other: RegisterStore, selfContext: CausalContext, otherContext: CausalContext) {
        join(other, selfSeen: selfContext, otherSeen: otherContext)
    }
}
