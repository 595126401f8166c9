extension RecordCollection {
    /// The canonical bytes of this state or delta (docs/protocol.md,
    /// "Canonical encoding", kind 1): header, causal context, field-name
    /// table, then records sorted by id, ids front-coded and register
    /// entries coded against the entry before them (see `EntryHeader`).
    ///
    /// - Complexity: O(n log n) in the number of records (sorting ids),
    ///   O(1) per register entry.
    public func encoded() -> [UInt8] {
        let table = NodeTable(context)
        let ids = SortedIDs(records)
        // Pass 1, in the order records are written: give every name a
        // number, in the order first met (names are in NFC, `Identifier`,
        // so names equal as strings are equal in bytes). Most records have the
        // same fields, so `PlaceMemo` skips the lookup of a name equal to
        // the one at the same place in the previous record.
        var interner = NameInterner()
        var firstMet = PlaceMemo()
        var fieldCount = 0
        for position in ids.order {
            let store = ids.stores[position]
            store.fields.withFields { fields in
                for place in fields.indices {
                    _ = firstMet.number(of: fields[place].name, at: place) { interner.number(of: $0) }
                }
                fieldCount += fields.count
            }
            for name in store.sets.entries.keys { _ = interner.number(of: name) }
        }
        let (sortedNames, finalIndex) = interner.sorted()

        // A guess at the size (the array grows past it if need be).
        var writer = ByteWriter(capacity: 64 + records.count * 16 + fieldCount * 32)
        writer.writeHeader(.recordCollection)
        writer.writeContext(context, table: table)
        writer.writeVarint(sortedNames.count)
        for name in sortedNames { writer.writeString(name) }
        writer.writeVarint(records.count)

        var predictor = EntryEncodingPredictor(nodeCount: table.nodes.count)
        var nodeCache = NodeIndexCache(table: table)
        var previousID = ""
        var outOfOrder: [(index: Int, place: Int)] = []
        var sets: [(index: Int, name: String)] = []
        var tableIndex = PlaceMemo()
        var staged = StagedWriter(consume writer)
        for position in ids.order {
            let store = ids.stores[position]
            let id = ids.ids[position]
            staged.writeFrontCoded(id, after: previousID)
            previousID = id
            let hasPresence = !store.presence.isEmpty
            let hasSets = !store.sets.isEmpty
            staged.varint(UInt64(store.fields.count) << 2 | (hasSets ? 2 : 0) | (hasPresence ? 1 : 0))
            if hasPresence { staged.withWriter { $0.writeDotSet(store.presence, table: table) } }
            store.fields.withFields { fields in
                // A record's fields are in `String` order, which is the
                // table's byte order since every name is in normal form C
                // (`Identifier`); should they differ, the fields are sorted
                // by table index first.
                var previousIndex = -1
                var inOrder = true
                for place in fields.indices {
                    let index = tableIndex.number(of: fields[place].name, at: place) {
                        finalIndex[interner.number(of: $0)]
                    }
                    if index < previousIndex { inOrder = false }
                    previousIndex = index
                }
                previousIndex = -1
                if inOrder {
                    for place in fields.indices {
                        let index = tableIndex.number(at: place)
                        staged.writeRegisterEntries(
                            fields[place].register, nameSkip: index - previousIndex - 1,
                            nodes: &nodeCache, predictor: &predictor)
                        previousIndex = index
                    }
                } else {
                    outOfOrder.removeAll(keepingCapacity: true)
                    for place in fields.indices { outOfOrder.append((tableIndex.number(at: place), place)) }
                    outOfOrder.sort { $0.index < $1.index }
                    for field in outOfOrder {
                        staged.writeRegisterEntries(
                            fields[field.place].register, nameSkip: field.index - previousIndex - 1,
                            nodes: &nodeCache, predictor: &predictor)
                        previousIndex = field.index
                    }
                }
            }
            if hasSets {
                sets.removeAll(keepingCapacity: true)
                for name in store.sets.entries.keys { sets.append((finalIndex[interner.number(of: name)], name)) }
                sets.sort { $0.index < $1.index }
                staged.withWriter { writer in
                    writer.writeVarint(sets.count)
                    var previousIndex = -1
                    for set in sets {
                        writer.writeVarint(set.index - previousIndex - 1)
                        writer.writeSet(store.sets[set.name], table: table)
                        previousIndex = set.index
                    }
                }
            }
        }
        return staged.finish().bytes
    }

    /// Decodes canonical bytes made by `encoded()`.
    ///
    /// - Throws: `DecodingError` (with the byte offset) for anything that is
    ///   not a canonical, well-formed collection within `limits`: truncated,
    ///   malformed, out-of-order or hostile input. Never traps.
    public init(decoding bytes: [UInt8], limits: Limits = .default) throws(DecodingError) {
        var reader = ByteReader(bytes)
        try reader.readHeader(expecting: .recordCollection, limits: limits)
        let (context, nodes) = try reader.readContext()
        let scope = PayloadScope(nodes: nodes, context: context, base: 0, limits: limits)

        let nameCount = try reader.readCount(minimumItemBytes: 2)
        var names: [String] = []
        names.reserveCapacity(nameCount)
        for _ in 0..<nameCount {
            let start = reader.offset
            let name = try reader.readString(limit: limits.maxIdentifierBytes)
            if name.isEmpty { throw DecodingError(offset: start, reason: .notCanonical("empty field name")) }
            // One spelling per name (`Identifier`): then names distinct in
            // bytes are distinct strings, and byte order is `String` order.
            if !Identifier.isNormalized(name) {
                throw DecodingError(offset: start, reason: .notCanonical("field name not in Unicode normal form C"))
            }
            if let last = names.last, !utf8Precedes(last, name) || last == name {
                throw DecodingError(offset: start, reason: .notCanonical("field names not strictly increasing"))
            }
            names.append(name)
        }
        var nameUsed = [Bool](repeating: false, count: names.count)
        let entryScope = EntryScope(nodes: nodes, context: context, nameCount: names.count, limits: limits)

        let recordCount = try reader.readCount(minimumItemBytes: 5)
        var records: [String: RecordStore] = [:]
        records.reserveCapacity(recordCount)
        var predictor = EntryPredictor(nodeCount: nodes.count)
        var idBytes: [UInt8] = []
        idBytes.reserveCapacity(32)
        for recordIndex in 0..<recordCount {
            let start = reader.offset
            let id = try reader.readFrontCoded(into: &idBytes, first: recordIndex == 0, limit: limits.maxIdentifierBytes)
            let shapeStart = reader.offset
            let shape = try reader.readVarint()
            if shape == 0 { throw DecodingError(offset: start, reason: .notCanonical("empty record")) }
            var store = RecordStore()
            if shape & 1 != 0 {
                store.presence = try reader.readDotSet(nodes: nodes, context: context, allowEmpty: false)
            }
            let fieldCountRaw = shape >> 2
            guard fieldCountRaw <= UInt64(reader.remaining) else {
                throw DecodingError(offset: shapeStart, reason: .lengthOutOfRange(Int(clamping: fieldCountRaw)))
            }
            let fieldCount = Int(fieldCountRaw)
            if fieldCount > 0 {
                var fields: [FieldMap.Field] = []
                fields.reserveCapacity(fieldCount)
                var previousIndex = -1
                for _ in 0..<fieldCount {
                    let (index, register) = try reader.readRegister(
                        after: previousIndex, scope: entryScope, predictor: &predictor)
                    previousIndex = index
                    nameUsed[index] = true
                    fields.append(FieldMap.Field(name: names[index], register: register))
                }
                store.fields = FieldMap(sortedUnique: fields)
            }
            if shape & 2 != 0 {
                let setStart = reader.offset
                let setCount = try reader.readCount(minimumItemBytes: 4)
                if setCount == 0 { throw DecodingError(offset: setStart, reason: .notCanonical("empty set list")) }
                var sets: [String: DotMap<Value, DotSet>] = [:]
                sets.reserveCapacity(setCount)
                var previousIndex = -1
                for _ in 0..<setCount {
                    let index = try reader.readNameSkip(after: previousIndex, count: names.count)
                    previousIndex = index
                    nameUsed[index] = true
                    sets[names[index]] = try reader.readSet(scope)
                }
                store.sets.entries = sets
            }
            // Ids in NFC and strictly increasing in bytes are distinct
            // strings; this keeps one record per id whatever the reader did.
            if records.updateValue(store, forKey: id) != nil {
                throw DecodingError(offset: start, reason: .notCanonical("record ids not strictly increasing"))
            }
        }
        if nameUsed.contains(false) {
            throw DecodingError(offset: reader.offset, reason: .notCanonical("unused field name in the name table"))
        }
        try reader.expectEnd()
        self.init(decoded: records, context: context)
    }
}

/// Numbers names in the order they are first met, one number per name
/// (a collection's names are in NFC, `Identifier`, so names equal as Swift
/// strings are one spelling). The encoder asks only when `PlaceMemo`
/// misses, so hashing with `Hasher` (which agrees with `==`) costs little.
struct NameInterner {
    private(set) var names: [String] = []
    private var numbers: [String: Int] = [:]

    /// The number of `name`, given on its first use.
    mutating func number(of name: String) -> Int {
        if let number = numbers[name] { return number }
        numbers[name] = names.count
        names.append(name)
        return names.count - 1
    }

    /// The names sorted by UTF-8 bytes, and for each number its index there.
    func sorted() -> (names: [String], index: [Int]) {
        let order = names.indices.sorted { utf8Precedes(names[$0], names[$1]) }
        var index = [Int](repeating: 0, count: names.count)
        for (position, number) in order.enumerated() { index[number] = position }
        return (order.map { names[$0] }, index)
    }
}

/// The names at each place of the previous record's fields, with a number
/// for each: records mostly have the same fields, so a name equal to the
/// one at the same place before is not looked up again (equal small
/// strings compare as two words, where a lookup hashes).
struct PlaceMemo {
    private var names: [String] = []
    private var numbers: [Int] = []

    /// The number of `name`, the field at `place`: the one remembered for
    /// `place` if the name there is the same, else `lookup(name)`.
    @inline(__always)
    mutating func number(of name: String, at place: Int, lookup: (String) -> Int) -> Int {
        if place < names.count {
            if names[place] == name { return numbers[place] }
            let number = lookup(name)
            names[place] = name
            numbers[place] = number
            return number
        }
        let number = lookup(name)
        names.append(name)
        numbers.append(number)
        return number
    }

    /// The number last given for `place`.
    @inline(__always)
    func number(at place: Int) -> Int { numbers[place] }
}

/// A node table lookup that remembers the last node asked for: register
/// entries mostly come from one node in runs.
struct NodeIndexCache {
    let table: NodeTable
    private var lastNode: NodeID?
    private var lastIndex = 0

    init(table: NodeTable) { self.table = table }

    @inline(__always)
    mutating func index(of node: NodeID) -> Int {
        if node == lastNode { return lastIndex }
        lastNode = node
        lastIndex = table.index(of: node)
        return lastIndex
    }
}
