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
/// Storage: the entries sorted by dot, in one array. Nearly every register
/// holds one entry, and registers are copied far more often than they
/// change (out of a record's field dictionary, which gives no borrowed
/// access, on every encode and join): copying the array is one retain,
/// where copying an inline entry went through its value witness (an
/// indirect call, plus the retain and release of the value's string). An
/// empty store holds the shared empty array. A join that keeps one side's
/// entries as they are shares that side's array.
public struct RegisterStore: DotStore, Hashable {
    /// The entries, sorted by dot, one per dot.
    public internal(set) var entries: [RegisterEntry]

    public init() { entries = [] }

    /// A store with the given entries; later duplicates of a dot lose to the
    /// deterministic winner. Every value is checked against `limits`, so a
    /// store this builds holds only values the canonical encoding carries.
    ///
    /// - Throws: the value's `CoreError` (`notANumber`, `stringTooLong`,
    ///   `bytesTooLong`) for the first invalid value; nothing is built.
    public init<S: Sequence>(_ entries: S, limits: Limits = .default) throws(CoreError) where S.Element == RegisterEntry {
        self.entries = []
        for entry in entries {
            try entry.value.validate(limits)
            insert(entry)
        }
    }

    /// A store with the given entries, unchecked: for entries the core
    /// made and a store kept (see `init(_:limits:)` for anything else).
    package init<S: Sequence>(trusted entries: S) where S.Element == RegisterEntry {
        self.entries = []
        for entry in entries { insert(entry) }
    }

    /// A store from entries already sorted by unique dot (decoders check that).
    init(sortedUnique entries: [RegisterEntry]) { self.entries = entries }

    /// A store of one entry.
    init(single entry: RegisterEntry) { entries = [entry] }

    public var isEmpty: Bool { entries.isEmpty }

    /// The number of entries.
    var entryCount: Int { entries.count }

    /// Calls `body` with the entries in dot order, borrowed (no copy).
    @inline(__always)
    func withEntries<R>(_ body: (UnsafeBufferPointer<RegisterEntry>) -> R) -> R {
        entries.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with each entry in dot order.
    func forEachEntry(_ body: (RegisterEntry) -> Void) {
        for entry in entries { body(entry) }
    }

    public func forEachDot(_ body: (Dot) -> Void) {
        withEntries { entries in
            for index in entries.indices { body(entries[index].dot) }
        }
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
        guard entries.count > 1, let best = winner else { return [] }
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

    /// The entries whose dots `keep` accepts: `entries` itself (shared, not
    /// copied) when it accepts them all.
    @inline(__always)
    func keeping(_ keep: (Dot) -> Bool) -> [RegisterEntry] {
        withEntries { entries in
            guard let dropped = entries.indices.first(where: { !keep(entries[$0].dot) }) else { return self.entries }
            var kept: [RegisterEntry] = []
            if entries.count == 1 { return kept }
            kept.reserveCapacity(entries.count - 1)
            for index in entries.indices where index < dropped || (index > dropped && keep(entries[index].dot)) {
                kept.append(entries[index])
            }
            return kept
        }
    }

    public mutating func join(_ other: RegisterStore, selfContext: CausalContext, otherContext: CausalContext) {
        join(other, selfSeen: selfContext, otherSeen: otherContext)
    }
}
