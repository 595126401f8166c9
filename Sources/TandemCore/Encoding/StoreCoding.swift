extension ByteWriter {
    /// Writes a register's entries (sorted by dot), timestamps as offsets
    /// from the payload's base timestamp.
    mutating func writeRegister(_ register: RegisterStore, table: NodeTable, base: UInt64) {
        writeVarint(register.entryCount)
        register.forEachEntry { entry in
            writeDot(entry.dot, table: table)
            writeVarint(entry.timestamp.rawValue - base)
            writeValue(entry.value)
        }
    }

    /// Writes a set's elements (sorted) with their dots.
    mutating func writeSet(_ set: DotMap<Value, DotSet>, table: NodeTable) {
        writeVarint(set.entries.count)
        for element in set.sortedKeys {
            writeValue(element)
            writeDotSet(set[element], table: table)
        }
    }
}

/// The state a decoder carries through one payload: its node table, its
/// causal context, its base timestamp and its limits.
struct PayloadScope {
    let nodes: [NodeID]
    let context: CausalContext
    let base: UInt64
    let limits: Limits
}

extension ByteReader {
    mutating func readBaseTimestamp() throws(DecodingError) -> UInt64 {
        try readVarint()
    }

    /// Reads a register store; `minimum` tracks the smallest timestamp seen
    /// (to check the base timestamp is canonical).
    mutating func readRegister(_ scope: PayloadScope, minimum: inout UInt64) throws(DecodingError) -> RegisterStore {
        let start = offset
        let count = try readCount(minimumItemBytes: 4)
        if count == 0 { throw DecodingError(offset: start, reason: .notCanonical("empty register")) }
        var entries: [RegisterEntry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let entryStart = offset
            let dot = try readDot(nodes: scope.nodes, context: scope.context)
            if let last = entries.last, !(last.dot < dot) {
                throw DecodingError(offset: entryStart, reason: .notCanonical("register entries not sorted by dot"))
            }
            let delta = try readVarint()
            let (raw, overflow) = scope.base.addingReportingOverflow(delta)
            if overflow { throw DecodingError(offset: entryStart, reason: .lengthOutOfRange(Int(clamping: delta))) }
            minimum = min(minimum, raw)
            let value = try readValue(limits: scope.limits)
            entries.append(RegisterEntry(dot: dot, timestamp: HLCTimestamp(rawValue: raw), value: value))
        }
        return RegisterStore(sortedUnique: entries)
    }

    /// Reads a set store (elements strictly increasing, each with dots).
    mutating func readSet(_ scope: PayloadScope) throws(DecodingError) -> DotMap<Value, DotSet> {
        let start = offset
        let count = try readCount(minimumItemBytes: 3)
        if count == 0 { throw DecodingError(offset: start, reason: .notCanonical("empty set")) }
        var entries: [Value: DotSet] = [:]
        entries.reserveCapacity(count)
        var previous: Value?
        for _ in 0..<count {
            let elementStart = offset
            let element = try readValue(limits: scope.limits)
            if let previous, !(previous < element) {
                throw DecodingError(offset: elementStart, reason: .notCanonical("set elements not strictly increasing"))
            }
            previous = element
            entries[element] = try readDotSet(nodes: scope.nodes, context: scope.context, allowEmpty: false)
        }
        var map = DotMap<Value, DotSet>()
        map.entries = entries
        return map
    }

    /// Throws unless `minimum` (the smallest timestamp read) matches the
    /// payload's base timestamp, as the canonical form requires.
    func checkBase(_ base: UInt64, minimum: UInt64, sawEntries: Bool, at baseOffset: Int) throws(DecodingError) {
        if sawEntries ? (minimum != base) : (base != 0) {
            throw DecodingError(offset: baseOffset, reason: .notCanonical("base timestamp is not the smallest timestamp"))
        }
    }
}
