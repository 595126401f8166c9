/// A replicated collection of records: an add-wins set of record ids, each
/// with last-writer-wins fields and add-wins set fields, under one causal
/// context. This is the state one Tandem node holds for one kind of record
/// (customers, deals, invoices), and also the type of every delta it sends.
///
/// Semantics (docs/semantics.md has the full table):
/// - A field's value is its write with the greatest (HLC timestamp, node id);
///   concurrent losers stay visible as conflicts until overwritten.
/// - Set fields are add-wins observed-remove sets.
/// - Deleting a record is observed-remove ("reset-remove"): it clears exactly
///   the dots the deleting replica had seen. A concurrent field write keeps
///   its dot, so the record survives with that field.
///
/// Every mutator is a delta mutator: it changes `self` and returns a small
/// `RecordCollection` delta such that `replica.join(delta)` has the same
/// effect on any replica that has seen what this one had. `join` is
/// commutative, associative and idempotent.
///
/// The collection also keeps an index from dot to record id (derived data,
/// not part of equality), so joining a delta costs time proportional to the
/// delta, not to the whole collection.
///
/// - Complexity: `join(other)` is O(|other| + min(|other.context|, dots
///   held here from the same nodes)); each mutator is O(entries of the
///   touched field or record).
public struct RecordCollection: Lattice {
    /// Live records by id. A record is live while it holds any dot. Every
    /// id and field name is in Unicode normal form C (`Identifier`).
    public private(set) var records: [String: RecordStore]
    /// Every dot this replica (or delta) has seen.
    public private(set) var context: CausalContext
    /// Derived: for each node, counter to the record holding that dot.
    private var dotOwners: DotIndex
    /// Derived: whether two records have held the same dot at once. Only a
    /// faulty writer's payload does that; the index then cannot name every
    /// holder of a dot, so `join` scans the records instead of using it.
    private var dotsShared: Bool
    /// Whether `dotOwners` and `dotsShared` describe `records`. The index is
    /// built on the first `join` into this collection that needs it, so a
    /// decoded delta that is only joined into other replicas (or adopted
    /// whole by an empty one) never pays for it.
    private var indexed: Bool

    public init() {
        records = [:]
        context = CausalContext()
        dotOwners = DotIndex()
        dotsShared = false
        indexed = true
    }

    /// Builds a collection from its parts, checking them against the
    /// type's rules: every dot of every record is in `context`, every
    /// record id and field name is a valid identifier (spelled in Unicode
    /// normal form C: other spellings are normalised, see `Identifier`) and
    /// every value is valid under `limits`. Empty records are dropped. What
    /// this accepts encodes to bytes the decoder accepts (under `limits`)
    /// and decodes to an equal collection.
    ///
    /// - Throws: `CoreError.dotOutsideContext` for a dot `context` lacks,
    ///   `CoreError.invalidIdentifier` for an empty or overlong id or name,
    ///   or the value's error (`CoreError.notANumber`, ...); nothing is built.
    public init(records: [String: RecordStore], context: CausalContext, limits: Limits = .default) throws(CoreError) {
        var checked: [String: RecordStore] = [:]
        checked.reserveCapacity(records.count)
        for (id, store) in records where !store.isEmpty {
            let spelled = Identifier.normalized(id)
            try Self.validateIdentifier(spelled, what: "record id", limits)
            checked[spelled] = try store.checked(in: spelled, context: context, limits: limits)
        }
        self.init(decoded: checked, context: context)
    }

    /// A collection from parts the caller vouches for: records the core
    /// built, read back from a store that only ever held joined, validated
    /// collections. Only emptiness is checked (empty records are dropped);
    /// `init(records:context:limits:)` is the checked form for anything else.
    package init(trusted records: [String: RecordStore], context: CausalContext) {
        self.init(decoded: records.filter { !$0.value.isEmpty }, context: context)
    }

    /// A collection from records that are all non-empty and whose dots are
    /// all in `context` (the decoder has checked both).
    init(decoded records: [String: RecordStore], context: CausalContext) {
        self.records = records
        self.context = context
        dotOwners = DotIndex()
        dotsShared = false
        indexed = records.isEmpty
    }

    /// The same state as a generic causal dot map: the reference semantics
    /// that `join` is an optimized implementation of.
    public var causal: Causal<DotMap<String, RecordStore>> {
        Causal(store: DotMap(records), context: context)
    }

    public static func == (lhs: RecordCollection, rhs: RecordCollection) -> Bool {
        lhs.context == rhs.context && lhs.records == rhs.records
    }

    // MARK: Reads

    /// Whether the record is live.
    public func contains(_ id: String) -> Bool { records[id] != nil }

    /// Ids of live records, sorted.
    public var recordIDs: [String] { records.keys.sorted() }

    /// The number of live records.
    public var count: Int { records.count }

    /// A view of a live record, or `nil` if it is absent or deleted.
    public func record(_ id: String) -> RecordView? {
        records[id].map { RecordView(id: id, store: $0) }
    }

    /// The winning value of `field` in record `id`.
    public func value(of field: String, in id: String) -> Value? {
        records[id]?.fields[field]?.value
    }

    /// The elements of set field `field` in record `id`, sorted.
    public func elements(of field: String, in id: String) -> [Value] {
        records[id]?.sets.entries[field]?.sortedKeys ?? []
    }

    /// The number of field writes held (one per register entry).
    public var registerEntryCount: Int {
        records.values.reduce(0) { total, store in
            store.fields.registers.reduce(total) { $0 + $1.entries.count }
        }
    }

    // MARK: Delta mutators

    /// Writes `value` to `field` of record `id` as `node` at `timestamp`,
    /// overwriting every write of that field this replica has seen.
    ///
    /// - Returns: the delta to send to peers.
    /// - Throws: `CoreError` for an invalid id, field name or value; nothing
    ///   changes then.
    @discardableResult
    public mutating func set(
        _ field: String, to value: Value, in id: String,
        by node: NodeID, at timestamp: HLCTimestamp, limits: Limits = .default
    ) throws(CoreError) -> RecordCollection {
        try update(id, fields: [(field, value)], by: node, at: timestamp, limits: limits)
    }

    /// Writes several fields of record `id` in one delta, one dot per field,
    /// all stamped `timestamp`.
    ///
    /// - Throws: `CoreError` for an invalid id, field name or value; nothing
    ///   changes then (the whole batch is checked before any write).
    @discardableResult
    public mutating func update(
        _ id: String, fields changes: [(String, Value)],
        by node: NodeID, at timestamp: HLCTimestamp, limits: Limits = .default
    ) throws(CoreError) -> RecordCollection {
        let id = Identifier.normalized(id)
        let changes = Identifier.normalizingNames(changes)
        try Self.validateIdentifier(id, what: "record id", limits)
        for (name, value) in changes {
            try Self.validateIdentifier(name, what: "field name", limits)
            try value.validate(limits)
        }
        // The delta's context: the new dots (consecutive counters of `node`)
        // and every dot of the written fields seen here.
        let used = try reserveCounters(changes.count, for: node)
        var deltaContext = CausalContext()
        if !changes.isEmpty { deltaContext.insert(node: node, (used + 1)...(used + UInt64(changes.count))) }
        var written: [FieldMap.Field] = []
        written.reserveCapacity(changes.count)
        var counter = used
        for (name, value) in changes {
            counter += 1
            written.append(FieldMap.Field(name: name, register: RegisterStore(
                single: RegisterEntry(dot: Dot(node: node, counter: counter), timestamp: timestamp, value: value))))
        }
        // A repeated name within one batch: the later value wins (the
        // earlier one's dot is in the context, so it is overwritten).
        let deltaFields = FieldMap(lastWins: written)
        if let existing = records[id]?.fields, !existing.isEmpty {
            var seen: [Dot] = []
            for (name, _) in deltaFields { existing[name]?.forEachDot { seen.append($0) } }
            deltaContext.insert(dots: &seen)
        }
        var store = RecordStore()
        store.fields = deltaFields
        let delta = RecordCollection(decoded: store.isEmpty ? [:] : [id: store], context: deltaContext)
        join(delta)
        return delta
    }

    /// Makes record `id` exist (with no fields, if it had none).
    @discardableResult
    public mutating func insert(_ id: String, by node: NodeID, limits: Limits = .default) throws(CoreError) -> RecordCollection {
        let id = Identifier.normalized(id)
        try Self.validateIdentifier(id, what: "record id", limits)
        let dot = Dot(node: node, counter: try reserveCounters(1, for: node) + 1)
        var deltaContext = CausalContext(dots: records[id]?.presence.elements ?? [])
        deltaContext.insert(dot)
        var store = RecordStore()
        store.presence = DotSet([dot])
        let delta = RecordCollection(decoded: [id: store], context: deltaContext)
        join(delta)
        return delta
    }

    /// Deletes record `id` as observed here: clears every dot of the record
    /// this replica has seen. Writes concurrent with the delete survive it.
    @discardableResult
    public mutating func delete(_ id: String) -> RecordCollection {
        guard let store = records[id] else { return RecordCollection() }
        var deltaContext = CausalContext()
        store.forEachDot { deltaContext.insert($0) }
        let delta = RecordCollection(decoded: [:], context: deltaContext)
        join(delta)
        return delta
    }

    /// Adds `element` to set field `field` of record `id`.
    @discardableResult
    public mutating func add(
        _ element: Value, toSet field: String, in id: String,
        by node: NodeID, limits: Limits = .default
    ) throws(CoreError) -> RecordCollection {
        let id = Identifier.normalized(id)
        let field = Identifier.normalized(field)
        try Self.validateIdentifier(id, what: "record id", limits)
        try Self.validateIdentifier(field, what: "field name", limits)
        try element.validate(limits)
        let dot = Dot(node: node, counter: try reserveCounters(1, for: node) + 1)
        var deltaContext = CausalContext(dots: records[id]?.sets.entries[field]?[element].elements ?? [])
        deltaContext.insert(dot)
        var store = RecordStore()
        store.sets = DotMap([field: DotMap([element: DotSet([dot])])])
        let delta = RecordCollection(decoded: [id: store], context: deltaContext)
        join(delta)
        return delta
    }

    /// Removes `element` from set field `field` of record `id`, as observed
    /// here; a concurrent add of the same element wins.
    @discardableResult
    public mutating func remove(_ element: Value, fromSet field: String, in id: String) -> RecordCollection {
        let seen = records[id]?.sets.entries[field]?.entries[element]?.elements ?? []
        guard !seen.isEmpty else { return RecordCollection() }
        let delta = RecordCollection(decoded: [:], context: CausalContext(dots: seen))
        join(delta)
        return delta
    }

    // MARK: Join

    public mutating func join(_ other: RecordCollection) {
        // The empty collection is the identity of join: adopt `other` whole
        // (copy-on-write makes this O(1)).
        if records.isEmpty && context.isEmpty {
            self = other
            return
        }
        buildIndexIfNeeded()
        let selfLookup = ContextLookup(context)
        let otherLookup = ContextLookup(other.context)
        // 1. Records held only here whose dots `other` has seen: `other`
        //    removed or overwrote them. Found through the dot index, or by a
        //    scan once a faulty payload has put one dot in two records.
        var affected: Set<String> = []
        if dotsShared {
            for (id, store) in records where other.records[id] == nil {
                var seen = false
                store.forEachDot { if !seen && otherLookup.contains($0) { seen = true } }
                if seen { affected.insert(id) }
            }
        }
        for (node, theirs) in other.context.nodes where !dotsShared {
            guard let mine = dotOwners.owners(of: node) else { continue }
            // Consecutive counters mostly belong to one record: ask `other`
            // about each id once per run.
            var lastID: String?
            func check(_ counter: UInt64) {
                guard let id = mine.owner(of: counter), id != lastID else { return }
                lastID = id
                if other.records[id] == nil { affected.insert(id) }
            }
            if theirs.count < UInt64(mine.count) {
                if theirs.prefix > 0 {
                    for counter in 1...theirs.prefix { check(counter) }
                }
                for range in theirs.cloud {
                    for counter in range { check(counter) }
                }
            } else {
                mine.forEach { counter, id in
                    if other.records[id] == nil && theirs.contains(counter) { affected.insert(id) }
                }
            }
        }
        // 2. Records `other` holds: the dot-map join, key by key, in place.
        var changes = DotChanges()
        var emptied: [String] = []
        for (id, theirs) in other.records {
            changes.clear()
            if let slot = records.index(forKey: id) {
                records.values[slot].join(theirs, selfLookup: selfLookup, otherLookup: otherLookup, changes: &changes)
                if records.values[slot].isEmpty { emptied.append(id) }
            } else {
                var merged = RecordStore()
                merged.join(theirs, selfLookup: selfLookup, otherLookup: otherLookup, changes: &changes)
                if !merged.isEmpty { records[id] = merged }
            }
            for dot in changes.removed { dotOwners.remove(dot) }
            for dot in changes.added {
                if let previous = dotOwners.insert(dot, owner: id), previous != id { dotsShared = true }
            }
        }
        for id in emptied { records.removeValue(forKey: id) }
        // 3. Apply the removals found in step 1.
        for id in affected {
            guard var mine = records.removeValue(forKey: id) else { continue }
            unindexDots(of: mine)
            changes.clear()
            mine.join(RecordStore(), selfLookup: selfLookup, otherLookup: otherLookup, changes: &changes)
            if !mine.isEmpty {
                indexDots(of: mine, as: id)
                records[id] = mine
            }
        }
        context.formUnion(other.context)
    }

    // MARK: Internals

    private mutating func buildIndexIfNeeded() {
        guard !indexed else { return }
        indexed = true
        dotOwners = DotIndex()
        dotsShared = false
        for (id, store) in records { indexDots(of: store, as: id) }
    }

    private mutating func indexDots(of store: RecordStore, as id: String) {
        store.forEachDot { dot in
            if let previous = dotOwners.insert(dot, owner: id), previous != id {
                dotsShared = true
            }
        }
    }

    private mutating func unindexDots(of store: RecordStore) {
        store.forEachDot { dot in dotOwners.remove(dot) }
    }

    /// The highest counter `node` has used, after checking that `count`
    /// more fit in 64 bits. A context received from a peer may claim that a
    /// node's counter is near its maximum; this refuses the write with a
    /// typed error instead of wrapping or trapping.
    private func reserveCounters(_ count: Int, for node: NodeID) throws(CoreError) -> UInt64 {
        let used = context.maxCounter(of: node)
        guard UInt64.max - used >= UInt64(count) else { throw CoreError.dotCountersExhausted(node: node) }
        return used
    }

    static func validateIdentifier(_ text: String, what: String, _ limits: Limits) throws(CoreError) {
        let bytes = text.utf8.count
        if bytes == 0 || bytes > limits.maxIdentifierBytes {
            throw CoreError.invalidIdentifier(what: what, bytes: bytes, limit: limits.maxIdentifierBytes)
        }
    }
}
