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
        defer { predictor.deallocate() }
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

/// Whether `a` precedes `b` in the order of their UTF-8 bytes: the order of
/// record ids and names in the canonical encoding.
@inline(__always)
func utf8Precedes(_ a: String, _ b: String) -> Bool {
    var a = a
    var b = b
    return a.withUTF8 { left in
        b.withUTF8 { right in
            let common = min(left.count, right.count)
            var index = 0
            while index < common {
                let l = left[index]
                let r = right[index]
                if l != r { return l < r }
                index += 1
            }
            return left.count < right.count
        }
    }
}

/// The records of a collection in canonical order (by the UTF-8 bytes of
/// their ids), sorted on 16-byte big-endian prefixes of the ids, with a full
/// comparison only when two prefixes tie.
struct SortedIDs {
    let ids: [String]
    let stores: [RecordStore]
    let order: [Int]

    init(_ records: [String: RecordStore]) {
        var ids: [String] = []
        var stores: [RecordStore] = []
        var keys: [PrefixKey] = []
        ids.reserveCapacity(records.count)
        stores.reserveCapacity(records.count)
        keys.reserveCapacity(records.count)
        for (id, store) in records {
            var copy = id
            let (high, low) = copy.withUTF8 { utf8 -> (UInt64, UInt64) in
                var high: UInt64 = 0
                var low: UInt64 = 0
                for index in 0..<8 { high = high << 8 | UInt64(index < utf8.count ? utf8[index] : 0) }
                for index in 8..<16 { low = low << 8 | UInt64(index < utf8.count ? utf8[index] : 0) }
                return (high, low)
            }
            keys.append(PrefixKey(high: high, low: low, position: ids.count))
            ids.append(id)
            stores.append(store)
        }
        keys.sortByPrefix()
        var order = keys.map { $0.position }
        // Ids that share their first 16 bytes: order each such run fully.
        var runStart = 0
        while runStart < keys.count {
            var runEnd = runStart + 1
            while runEnd < keys.count && keys[runEnd].high == keys[runStart].high && keys[runEnd].low == keys[runStart].low {
                runEnd += 1
            }
            if runEnd - runStart > 1 {
                order[runStart..<runEnd].sort { utf8Precedes(ids[$0], ids[$1]) }
            }
            runStart = runEnd
        }
        self.ids = ids
        self.stores = stores
        self.order = order
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

/// The flags of a register entry's header byte (docs/protocol.md, "Record
/// collection"). The low three bits are the value's tag.
enum EntryHeader {
    static let tagMask: UInt8 = 0x07
    /// The entry's node is the previous entry's node (no node index follows).
    static let sameNode: UInt8 = 0x08
    /// The entry's counter is one above its node's previous counter in the
    /// payload (no counter delta follows).
    static let nextCounter: UInt8 = 0x10
    /// The entry's timestamp is the previous entry's (no timestamp delta follows).
    static let sameTimestamp: UInt8 = 0x20
    /// Another entry of the same register follows.
    static let moreEntries: UInt8 = 0x40
    /// On a register's first entry only: the field's name index skips names
    /// (a skip count follows).
    static let nameSkip: UInt8 = 0x80
}

/// What the entry decoder needs of its payload: the node table, each node's
/// seen dots (to check every dot is in the context without hashing node
/// ids), the size of the name table and the limits.
struct EntryScope {
    let nodes: [NodeID]
    let nodeDots: [CausalContext.NodeDots]
    let nameCount: Int
    let limits: Limits

    init(nodes: [NodeID], context: CausalContext, nameCount: Int, limits: Limits) {
        self.nodes = nodes
        nodeDots = nodes.map { context.nodes[$0] ?? CausalContext.NodeDots() }
        self.nameCount = nameCount
        self.limits = limits
    }
}

/// What the encoder and decoder of one payload remember to code each
/// register entry against the one before it: the previous entry's node and
/// timestamp, and each node's last counter.
struct EntryPredictor {
    var previousNode = 0
    var previousTimestamp: UInt64 = 0
    var lastCounters: [UInt64]

    init(nodeCount: Int) { lastCounters = [UInt64](repeating: 0, count: nodeCount) }
}

/// `EntryPredictor` for the encoder: the counters live in a buffer of its
/// own, so advancing past an entry stores a counter without the uniqueness
/// check of an array element write. `deallocate()` frees it.
struct EntryEncodingPredictor {
    var previousNode = 0
    var previousTimestamp: UInt64 = 0
    let lastCounters: UnsafeMutablePointer<UInt64>

    init(nodeCount: Int) {
        lastCounters = .allocate(capacity: Swift.max(nodeCount, 1))
        lastCounters.initialize(repeating: 0, count: Swift.max(nodeCount, 1))
    }

    func deallocate() { lastCounters.deallocate() }
}

/// A writer for the records section of an encoding: bytes go to a fixed
/// staging buffer through raw stores, and reach the `ByteWriter` a buffer at
/// a time, so the per-byte cost of appending to an array (a uniqueness and
/// a capacity check per byte) is paid once per 16 KiB.
struct StagedWriter {
    private var writer: ByteWriter
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity = 1 << 14
    private var count = 0

    init(_ writer: ByteWriter) {
        self.writer = writer
        buffer = .allocate(capacity: capacity)
    }

    /// Everything written; the staging buffer is freed.
    mutating func finish() -> ByteWriter {
        flush()
        buffer.deallocate()
        return writer
    }

    private mutating func flush() {
        if count > 0 {
            writer.writeRaw(UnsafeBufferPointer(start: buffer, count: count))
            count = 0
        }
    }

    /// Runs `body` on the underlying writer, after what is staged.
    mutating func withWriter(_ body: (inout ByteWriter) -> Void) {
        flush()
        body(&writer)
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        if count == capacity { flush() }
        buffer[count] = value
        count += 1
    }

    @inline(__always)
    mutating func varint(_ value: UInt64) {
        if count > capacity - 10 { flush() }
        var remaining = value
        while remaining >= 0x80 {
            buffer[count] = UInt8(truncatingIfNeeded: remaining) | 0x80
            count += 1
            remaining >>= 7
        }
        buffer[count] = UInt8(truncatingIfNeeded: remaining)
        count += 1
    }

    @inline(__always)
    mutating func varint(_ value: Int) { varint(UInt64(value)) }

    @inline(__always)
    mutating func zigZag(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    @inline(__always)
    mutating func raw(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        let length = bytes.count
        if length > capacity - count {
            flush()
            if length > capacity {
                writer.writeRaw(bytes)
                return
            }
        }
        let target = UnsafeMutableRawPointer(buffer + count)
        let source = UnsafeRawPointer(base)
        if length >= 8 && length <= 64 {
            // Short runs (most strings and ids): 8-byte words, the last one
            // overlapping the one before, rather than a call to memcpy.
            var offset = 0
            while offset + 8 < length {
                target.storeBytes(of: source.loadUnaligned(fromByteOffset: offset, as: UInt64.self),
                                  toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            target.storeBytes(of: source.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self),
                              toByteOffset: length - 8, as: UInt64.self)
        } else if length < 8 {
            for offset in 0..<length { target.storeBytes(of: source.load(fromByteOffset: offset, as: UInt8.self), toByteOffset: offset, as: UInt8.self) }
        } else {
            target.copyMemory(from: source, byteCount: length)
        }
        count += length
    }

    @inline(__always)
    mutating func lengthPrefixed(_ bytes: UnsafeBufferPointer<UInt8>) {
        varint(bytes.count)
        raw(bytes)
    }

    @inline(__always)
    mutating func string(_ text: String) {
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { lengthPrefixed($0) }
        if written == nil {
            var copy = text
            copy.withUTF8 { lengthPrefixed($0) }
        }
    }

    /// Writes `id` as the length of the prefix it shares with `previous`
    /// (the id written before it) and the rest.
    mutating func writeFrontCoded(_ id: String, after previous: String) {
        var id = id
        var previous = previous
        id.withUTF8 { utf8 in
            previous.withUTF8 { before in
                var shared = 0
                let limit = min(before.count, utf8.count)
                while shared < limit && before[shared] == utf8[shared] { shared += 1 }
                varint(shared)
                varint(utf8.count - shared)
                raw(UnsafeBufferPointer(rebasing: utf8[shared...]))
            }
        }
    }

    /// Writes a register's entries, each coded against the previous entry
    /// of the payload; the first carries the field's name skip.
    mutating func writeRegisterEntries(
        _ register: borrowing RegisterStore, nameSkip: Int, nodes: inout NodeIndexCache, predictor: inout EntryEncodingPredictor
    ) {
        register.withEntries { entries in
            guard let base = entries.baseAddress else { return }
            let count = entries.count
            var skip = nameSkip
            for position in 0..<count {
                writeEntry(base + position, nameSkip: skip, more: position + 1 < count, nodes: &nodes, predictor: &predictor)
                skip = 0
            }
        }
    }

    /// Writes one entry: the header (tag and flags) and its fields, then the
    /// value's payload, switching on the value once.
    @inline(__always)
    private mutating func writeEntry(
        _ entry: UnsafePointer<RegisterEntry>, nameSkip: Int, more: Bool, nodes: inout NodeIndexCache,
        predictor: inout EntryEncodingPredictor
    ) {
        let node = nodes.index(of: entry.pointee.dot.node)
        let counter = entry.pointee.dot.counter
        let timestamp = entry.pointee.timestamp.rawValue
        switch entry.pointee.value {
        case .string(let text):
            writeEntryHeader(node: node, counter: counter, timestamp: timestamp, tag: 5, nameSkip: nameSkip, more: more,
                             predictor: &predictor)
            string(text)
        case .null:
            writeEntryHeader(node: node, counter: counter, timestamp: timestamp, tag: 0, nameSkip: nameSkip, more: more,
                             predictor: &predictor)
        case .bool(let flag):
            writeEntryHeader(node: node, counter: counter, timestamp: timestamp, tag: flag ? 2 : 1, nameSkip: nameSkip,
                             more: more, predictor: &predictor)
        case .int(let number):
            writeEntryHeader(node: node, counter: counter, timestamp: timestamp, tag: 3, nameSkip: nameSkip, more: more,
                             predictor: &predictor)
            zigZag(number)
        case .double(let number):
            writeEntryHeader(node: node, counter: counter, timestamp: timestamp, tag: 4, nameSkip: nameSkip, more: more,
                             predictor: &predictor)
            let bits = number.bitPattern
            for shift in stride(from: 0, to: 64, by: 8) { byte(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        case .bytes(let data):
            writeEntryHeader(node: node, counter: counter, timestamp: timestamp, tag: 6, nameSkip: nameSkip, more: more,
                             predictor: &predictor)
            data.withUnsafeBufferPointer { lengthPrefixed($0) }
        }
    }

    /// Writes an entry's header byte and the fields its flags leave in,
    /// and advances the predictor past the entry.
    @inline(__always)
    private mutating func writeEntryHeader(
        node: Int, counter: UInt64, timestamp: UInt64, tag: UInt8, nameSkip: Int, more: Bool,
        predictor: inout EntryEncodingPredictor
    ) {
        let last = predictor.lastCounters[node]
        var header = tag
        if node == predictor.previousNode { header |= EntryHeader.sameNode }
        if last != .max && counter == last + 1 { header |= EntryHeader.nextCounter }
        if timestamp == predictor.previousTimestamp { header |= EntryHeader.sameTimestamp }
        if more { header |= EntryHeader.moreEntries }
        if nameSkip > 0 { header |= EntryHeader.nameSkip }
        byte(header)
        if header & EntryHeader.nameSkip != 0 { varint(nameSkip) }
        if header & EntryHeader.sameNode == 0 { varint(node) }
        if header & EntryHeader.nextCounter == 0 { zigZag(Int64(bitPattern: counter &- (last &+ 1))) }
        if header & EntryHeader.sameTimestamp == 0 {
            zigZag(Int64(bitPattern: timestamp &- predictor.previousTimestamp))
        }
        predictor.previousNode = node
        predictor.previousTimestamp = timestamp
        predictor.lastCounters[node] = counter
    }

}

extension ByteReader {
    /// Reads a front-coded record id into `bytes` (which holds the previous
    /// id), checking it is valid UTF-8, within `limit`, and strictly after
    /// the previous id in byte order, with the longest shared prefix.
    mutating func readFrontCoded(into bytes: inout [UInt8], first: Bool, limit: Int) throws(DecodingError) -> String {
        let start = offset
        let shared = try readVarint()
        guard shared <= UInt64(bytes.count) else {
            throw DecodingError(offset: start, reason: .lengthOutOfRange(Int(clamping: shared)))
        }
        let lengthStart = offset
        let length = try readVarint()
        // `shared` is at most the previous id's length, itself within `limit`.
        guard length <= UInt64(max(limit - Int(shared), 0)) else {
            throw DecodingError(offset: lengthStart, reason: .lengthOutOfRange(Int(clamping: length)))
        }
        let suffix = try readRaw(count: Int(length))
        let sharedCount = Int(shared)
        if first {
            if length == 0 { throw DecodingError(offset: start, reason: .notCanonical("empty record id")) }
        } else {
            // Strictly increasing with the longest shared prefix: the first
            // byte after the shared prefix exists and is greater than the
            // previous id's byte there (or the previous id ends there).
            guard let next = suffix.first,
                  sharedCount == bytes.count || next > bytes[sharedCount]
            else {
                throw DecodingError(offset: start, reason: .notCanonical("record ids not strictly increasing"))
            }
        }
        bytes.removeSubrange(sharedCount...)
        bytes.append(contentsOf: suffix)
        guard let id = bytes.withUnsafeBufferPointer(validatedString) else {
            throw DecodingError(offset: start, reason: .invalidUTF8)
        }
        // One spelling per id (`Identifier`), as the digests and buckets need.
        guard Identifier.isNormalized(id) else {
            throw DecodingError(offset: start, reason: .notCanonical("record id not in Unicode normal form C"))
        }
        return id
    }

    /// Reads a name skip and returns the name index `previous + 1 + skip`.
    mutating func readNameSkip(after previous: Int, count: Int) throws(DecodingError) -> Int {
        let start = offset
        let skip = try readVarint()
        guard skip < UInt64(count), previous + 1 + Int(skip) < count else {
            throw DecodingError(offset: start, reason: .indexOutOfRange(Int(clamping: skip)))
        }
        return previous + 1 + Int(skip)
    }

    /// Reads one register's entries and returns its field's name index and
    /// the register, checking every rule of the entry coding: canonical
    /// flags, dots strictly increasing and in the context, values within
    /// `limits`.
    mutating func readRegister(
        after previousIndex: Int, scope: EntryScope, predictor: inout EntryPredictor
    ) throws(DecodingError) -> (Int, RegisterStore) {
        let nameCount = scope.nameCount
        let nodeDots = scope.nodeDots
        // The first entry is held alone: most registers have no other.
        var first: RegisterEntry?
        var later: [RegisterEntry] = []
        var index = previousIndex + 1
        var previousNode = -1
        var previousCounter: UInt64 = 0
        while true {
            let start = offset
            let header = try readByte()
            if header & EntryHeader.nameSkip != 0 {
                guard first == nil else {
                    throw DecodingError(offset: start, reason: .notCanonical("name skip on a later register entry"))
                }
                let skipStart = offset
                let skip = try readVarint()
                if skip == 0 { throw DecodingError(offset: skipStart, reason: .notCanonical("zero name skip")) }
                guard skip < UInt64(nameCount), index + Int(skip) < nameCount else {
                    throw DecodingError(offset: skipStart, reason: .indexOutOfRange(Int(clamping: skip)))
                }
                index += Int(skip)
            } else if first == nil && index >= nameCount {
                throw DecodingError(offset: start, reason: .indexOutOfRange(index))
            }
            var node = predictor.previousNode
            if header & EntryHeader.sameNode == 0 {
                let nodeStart = offset
                let raw = try readVarint()
                guard raw < UInt64(nodeDots.count) else {
                    throw DecodingError(offset: nodeStart, reason: .indexOutOfRange(Int(clamping: raw)))
                }
                if Int(raw) == predictor.previousNode {
                    throw DecodingError(offset: nodeStart, reason: .notCanonical("node index repeats the previous entry's"))
                }
                node = Int(raw)
            } else if node >= nodeDots.count {
                throw DecodingError(offset: start, reason: .indexOutOfRange(node))
            }
            let last = predictor.lastCounters[node]
            let counter: UInt64
            if header & EntryHeader.nextCounter != 0 {
                guard last != .max else { throw DecodingError(offset: start, reason: .dotOutsideContext) }
                counter = last + 1
            } else {
                let deltaStart = offset
                let delta = try readZigZag()
                if delta == 0 { throw DecodingError(offset: deltaStart, reason: .notCanonical("zero counter delta")) }
                counter = last &+ 1 &+ UInt64(bitPattern: delta)
            }
            var timestamp = predictor.previousTimestamp
            if header & EntryHeader.sameTimestamp == 0 {
                let deltaStart = offset
                let delta = try readZigZag()
                if delta == 0 { throw DecodingError(offset: deltaStart, reason: .notCanonical("zero timestamp delta")) }
                timestamp = timestamp &+ UInt64(bitPattern: delta)
            }
            guard nodeDots[node].contains(counter) else { throw DecodingError(offset: start, reason: .dotOutsideContext) }
            if node < previousNode || (node == previousNode && counter <= previousCounter) {
                throw DecodingError(offset: start, reason: .notCanonical("register entries not sorted by dot"))
            }
            let value = try readValuePayload(tag: header & EntryHeader.tagMask, at: start, limits: scope.limits)
            let entry = RegisterEntry(dot: Dot(node: scope.nodes[node], counter: counter),
                                      timestamp: HLCTimestamp(rawValue: timestamp), value: value)
            predictor.previousNode = node
            predictor.previousTimestamp = timestamp
            predictor.lastCounters[node] = counter
            previousNode = node
            previousCounter = counter
            guard let held = first else {
                if header & EntryHeader.moreEntries == 0 { return (index, RegisterStore(single: entry)) }
                first = entry
                continue
            }
            if later.isEmpty { later = [held] }
            later.append(entry)
            if header & EntryHeader.moreEntries == 0 { return (index, RegisterStore(sortedUnique: later)) }
        }
    }
}
