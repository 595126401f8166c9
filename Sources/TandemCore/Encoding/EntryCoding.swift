// The coding of register entries (docs/protocol.md, "Record collection"):
// each entry's header byte, and its fields coded against the entry before it.


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
/// check of an array element write. Noncopyable: its `deinit` frees the
/// buffer.
struct EntryEncodingPredictor: ~Copyable {
    var previousNode = 0
    var previousTimestamp: UInt64 = 0
    let lastCounters: UnsafeMutablePointer<UInt64>

    init(nodeCount: Int) {
        lastCounters = .allocate(capacity: Swift.max(nodeCount, 1))
        lastCounters.initialize(repeating: 0, count: Swift.max(nodeCount, 1))
    }

    deinit { lastCounters.deallocate() }
}

extension StagedWriter {
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
            writeEntryHeader(node: node, counter: counter, timestamp: timestamp, tag: .string, nameSkip: nameSkip, more: more,
                             predictor: &predictor)
            string(text)
        case .null:
            writeEntryHeader(node: node, counter: counter, timestamp: timestamp, tag: .null, nameSkip: nameSkip, more: more,
                             predictor: &predictor)
        case .bool(let flag):
            writeEntryHeader(node: node, counter: counter, timestamp: timestamp, tag: flag ? .trueValue : .falseValue, nameSkip: nameSkip,
                             more: more, predictor: &predictor)
        case .int(let number):
            writeEntryHeader(node: node, counter: counter, timestamp: timestamp, tag: .int, nameSkip: nameSkip, more: more,
                             predictor: &predictor)
            zigZag(number)
        case .double(let number):
            writeEntryHeader(node: node, counter: counter, timestamp: timestamp, tag: .double, nameSkip: nameSkip, more: more,
                             predictor: &predictor)
            let bits = number.bitPattern
            for shift in stride(from: 0, to: 64, by: 8) { byte(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        case .bytes(let data):
            writeEntryHeader(node: node, counter: counter, timestamp: timestamp, tag: .bytes, nameSkip: nameSkip, more: more,
                             predictor: &predictor)
            data.withUnsafeBufferPointer { lengthPrefixed($0) }
        }
    }

    /// Writes an entry's header byte and the fields its flags leave in,
    /// and advances the predictor past the entry.
    @inline(__always)
    private mutating func writeEntryHeader(
        node: Int, counter: UInt64, timestamp: UInt64, tag: CanonicalFormat.ValueTag, nameSkip: Int, more: Bool,
        predictor: inout EntryEncodingPredictor
    ) {
        let last = predictor.lastCounters[node]
        var header = tag.rawValue
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
