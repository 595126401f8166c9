/// Dot membership as the register join needs it: a causal context, or a
/// `ContextLookup` over one.
protocol DotMembership {
    var isEmpty: Bool { get }
    func contains(_ dot: Dot) -> Bool
}

extension CausalContext: DotMembership {}

/// A causal context prepared for many `contains` questions during one join.
///
/// Contexts usually name one or two nodes; finding a node's dots by
/// comparing node ids costs a few instructions, where the dictionary lookup
/// hashes all 32 bytes of the id with SipHash. The first two nodes are held
/// inline (preparing a lookup allocates nothing); contexts of more nodes
/// fall back to the dictionary for the rest.
struct ContextLookup: DotMembership {
    let context: CausalContext
    private let count: Int
    private var firstNode = NodeID(words: 0, 0, 0, 0)
    private var firstDots = CausalContext.NodeDots()
    private var secondNode = NodeID(words: 0, 0, 0, 0)
    private var secondDots = CausalContext.NodeDots()

    init(_ context: CausalContext) {
        self.context = context
        count = context.nodes.count
        var position = 0
        for (node, dots) in context.nodes {
            if position == 0 {
                firstNode = node
                firstDots = dots
            } else if position == 1 {
                secondNode = node
                secondDots = dots
            } else {
                break
            }
            position += 1
        }
    }

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    func contains(_ dot: Dot) -> Bool {
        if count == 0 { return false }
        if dot.node == firstNode { return firstDots.contains(dot.counter) }
        if count == 1 { return false }
        if dot.node == secondNode { return secondDots.contains(dot.counter) }
        return count > 2 && context.contains(dot)
    }
}

/// One node's part of the dot index: counter to the id of the record holding
/// that dot.
///
/// A node hands out consecutive counters, so most indexed counters fall in
/// one dense window, held as an array (no hashing; an append for a new
/// write); counters far outside it go to a dictionary. When removals leave
/// the window mostly empty, its entries move to the dictionary and a new
/// window starts, so the window never holds more than four slots per live
/// entry (beyond its first 1,024).
struct CounterOwners {
    private var base: UInt64 = 0
    private var window: [String?] = []
    private var windowLive = 0
    private var others: [UInt64: String] = [:]

    /// The number of counters indexed.
    var count: Int { windowLive + others.count }

    func owner(of counter: UInt64) -> String? {
        if counter >= base && counter - base < UInt64(window.count), let id = window[Int(counter - base)] { return id }
        return others.isEmpty ? nil : others[counter]
    }

    /// Indexes `counter` as held by `id`; returns the previous owner, if any.
    ///
    /// A counter is held in the window or in the dictionary, never both: a
    /// counter placed in the window leaves the dictionary.
    mutating func insert(_ counter: UInt64, owner id: String) -> String? {
        if window.isEmpty { base = counter }
        if counter >= base {
            let offset = counter - base
            if offset < UInt64(window.count) {
                let slot = Int(offset)
                if let previous = window[slot] {
                    window[slot] = id
                    return previous
                }
                window[slot] = id
                windowLive += 1
                return others.isEmpty ? nil : others.removeValue(forKey: counter)
            }
            // Just past the window (within its own size): grow it.
            if offset - UInt64(window.count) <= UInt64(max(64, window.count)) {
                let gap = Int(offset) - window.count
                if gap > 0 { window.append(contentsOf: repeatElement(nil, count: gap)) }
                window.append(id)
                windowLive += 1
                return others.isEmpty ? nil : others.removeValue(forKey: counter)
            }
        }
        return others.updateValue(id, forKey: counter)
    }

    mutating func remove(_ counter: UInt64) {
        if counter >= base && counter - base < UInt64(window.count) && window[Int(counter - base)] != nil {
            window[Int(counter - base)] = nil
            windowLive -= 1
            if window.count > 1_024 && windowLive * 4 < window.count { retireWindow() }
            return
        }
        if !others.isEmpty { others.removeValue(forKey: counter) }
    }

    /// Moves the window's entries to the dictionary.
    private mutating func retireWindow() {
        for (offset, id) in window.enumerated() {
            if let id { others[base + UInt64(offset)] = id }
        }
        window = []
        windowLive = 0
    }

    /// Calls `body` with every indexed counter and its owner.
    func forEach(_ body: (UInt64, String) -> Void) {
        for (offset, id) in window.enumerated() {
            if let id { body(base + UInt64(offset), id) }
        }
        for (counter, id) in others { body(counter, id) }
    }
}

/// The dot index of a `RecordCollection`: for each node, counter to the id
/// of the record holding that dot. Nodes are found by a short linear scan
/// (with the last one used remembered), or through a dictionary once there
/// are more than 8 of them.
struct DotIndex {
    private var nodes: [NodeID] = []
    private var owners: [CounterOwners] = []
    private var positions: [NodeID: Int] = [:]
    private var last = 0

    private func find(_ node: NodeID) -> Int? {
        if last < nodes.count && nodes[last] == node { return last }
        if nodes.count > 8 { return positions[node] }
        for index in nodes.indices where nodes[index] == node { return index }
        return nil
    }

    /// The owners of `node`'s dots, if any are indexed.
    func owners(of node: NodeID) -> CounterOwners? {
        find(node).map { owners[$0] }
    }

    /// Indexes `dot` as held by `id`; returns the previous owner, if any.
    @discardableResult
    mutating func insert(_ dot: Dot, owner id: String) -> String? {
        let position: Int
        if let found = find(dot.node) {
            position = found
        } else {
            position = nodes.count
            nodes.append(dot.node)
            owners.append(CounterOwners())
            positions[dot.node] = position
        }
        last = position
        return owners[position].insert(dot.counter, owner: id)
    }

    mutating func remove(_ dot: Dot) {
        guard let position = find(dot.node) else { return }
        last = position
        owners[position].remove(dot.counter)
    }
}

extension RegisterStore {
    /// `join(_:selfContext:otherContext:)` over any dot membership: keep an
    /// entry both sides hold (the deterministic winner, if a faulty writer
    /// gave one dot two writes), and an entry one side holds unless the
    /// other side's context has seen its dot.
    @inline(__always)
    mutating func join<Membership: DotMembership>(
        _ other: RegisterStore, selfSeen selfContext: Membership, otherSeen otherContext: Membership
    ) {
        if other.entries.isEmpty {
            // Only this side's entries: those the other side has seen go.
            if otherContext.isEmpty || entries.isEmpty { return }
            entries = keeping { !otherContext.contains($0) }
            return
        }
        if entries.isEmpty {
            // Only the other side's entries: shared unless this side has
            // seen some of them.
            entries = selfContext.isEmpty ? other.entries : other.keeping { !selfContext.contains($0) }
            return
        }
        // `nil`: unchanged; otherwise the joined entries.
        let joined: [RegisterEntry]? = withEntries { mine in
            other.withEntries { theirs -> [RegisterEntry]? in
                if mine.count == 1 && theirs.count == 1 {
                    if mine[0].dot == theirs[0].dot { return theirs[0].winsOver(mine[0]) ? other.entries : nil }
                    let keepMine = !otherContext.contains(mine[0].dot)
                    let keepTheirs = !selfContext.contains(theirs[0].dot)
                    switch (keepMine, keepTheirs) {
                    case (true, true): return mine[0].dot < theirs[0].dot ? [mine[0], theirs[0]] : [theirs[0], mine[0]]
                    case (true, false): return nil
                    case (false, true): return other.entries
                    case (false, false): return []
                    }
                }
                if mine.count == theirs.count && mine.elementsEqual(theirs) { return nil }
                var result: [RegisterEntry] = []
                result.reserveCapacity(mine.count + theirs.count)
                var i = 0
                var j = 0
                while i < mine.count || j < theirs.count {
                    if j == theirs.count || (i < mine.count && mine[i].dot < theirs[j].dot) {
                        if !otherContext.contains(mine[i].dot) { result.append(mine[i]) }
                        i += 1
                    } else if i == mine.count || theirs[j].dot < mine[i].dot {
                        if !selfContext.contains(theirs[j].dot) { result.append(theirs[j]) }
                        j += 1
                    } else {
                        result.append(theirs[j].winsOver(mine[i]) ? theirs[j] : mine[i])
                        i += 1
                        j += 1
                    }
                }
                return result
            }
        }
        if let joined { entries = joined }
    }
}

/// The dots a join took out of a record and put into it, so the dot index
/// is updated for those alone.
struct DotChanges {
    var removed: [Dot] = []
    var added: [Dot] = []

    mutating func clear() {
        removed.removeAll(keepingCapacity: true)
        added.removeAll(keepingCapacity: true)
    }

    /// Records the difference between a register before and after a join.
    mutating func note(from before: RegisterStore, to after: RegisterStore) {
        before.withEntries { old in
            after.withEntries { new in
                var i = 0
                var j = 0
                while i < old.count || j < new.count {
                    if j == new.count || (i < old.count && old[i].dot < new[j].dot) {
                        removed.append(old[i].dot)
                        i += 1
                    } else if i == old.count || new[j].dot < old[i].dot {
                        added.append(new[j].dot)
                        j += 1
                    } else {
                        i += 1
                        j += 1
                    }
                }
            }
        }
    }

    /// Records the difference between two sets of dots (any order).
    mutating func note(from old: [Dot], to new: [Dot]) {
        let oldSet = Set(old)
        let newSet = Set(new)
        for dot in old where !newSet.contains(dot) { removed.append(dot) }
        for dot in new where !oldSet.contains(dot) { added.append(dot) }
    }
}

extension FieldMap {
    /// The join of a record's fields, as `join(_:selfContext:otherContext:)`
    /// computes it, over prepared context lookups; the dots that leave or
    /// arrive are noted in `changes`.
    mutating func joinFields(
        _ other: FieldMap, selfContext: ContextLookup, otherContext: ContextLookup, changes: inout DotChanges
    ) {
        join(other, selfSeen: selfContext, otherSeen: otherContext) { old, new in changes.note(from: old, to: new) }
    }
}

extension RecordStore {
    /// `join(_:selfContext:otherContext:)` with the fields joined through
    /// prepared context lookups; the dots that leave or arrive are noted in
    /// `changes`.
    mutating func join(
        _ other: RecordStore, selfLookup: ContextLookup, otherLookup: ContextLookup, changes: inout DotChanges
    ) {
        if !presence.isEmpty || !other.presence.isEmpty {
            let old = presence.elements
            presence.join(other.presence, selfContext: selfLookup.context, otherContext: otherLookup.context)
            if old != presence.elements { changes.note(from: old, to: presence.elements) }
        }
        fields.joinFields(other.fields, selfContext: selfLookup, otherContext: otherLookup, changes: &changes)
        if !sets.isEmpty || !other.sets.isEmpty {
            let old = sets
            sets.join(other.sets, selfContext: selfLookup.context, otherContext: otherLookup.context)
            if old != sets {
                var oldDots: [Dot] = []
                old.forEachDot { oldDots.append($0) }
                var newDots: [Dot] = []
                sets.forEachDot { newDots.append($0) }
                changes.note(from: oldDots, to: newDots)
            }
        }
    }
}
