/// The node table of one encoded payload: the nodes of its causal context,
/// sorted, so dots refer to nodes by a small index.
struct NodeTable {
    let nodes: [NodeID]
    private let indexes: [NodeID: Int]

    init(_ context: CausalContext) {
        nodes = context.nodes.keys.sorted()
        var indexes: [NodeID: Int] = [:]
        indexes.reserveCapacity(nodes.count)
        for (index, node) in nodes.enumerated() { indexes[node] = index }
        self.indexes = indexes
    }

    func index(of node: NodeID) -> Int { indexes[node] ?? 0 }
}

extension ByteWriter {
    /// Writes the header: magic, version, kind.
    mutating func writeHeader(_ kind: CanonicalFormat.Kind) {
        writeRaw(CanonicalFormat.magic)
        writeByte(CanonicalFormat.version)
        writeByte(kind.rawValue)
    }

    /// Writes a causal context: per node (sorted) its id, its prefix and its
    /// cloud ranges as gaps and lengths.
    mutating func writeContext(_ context: CausalContext, table: NodeTable) {
        writeVarint(table.nodes.count)
        for node in table.nodes {
            guard let dots = context.nodes[node] else { continue }
            writeRaw(node.bytes)
            writeNodeDots(dots)
        }
    }

    /// One node's dots: its prefix, then its cloud ranges as gaps and lengths.
    mutating func writeNodeDots(_ dots: CausalContext.NodeDots) {
        writeVarint(dots.prefix)
        writeVarint(dots.cloud.count)
        var previousUpper = dots.prefix
        for range in dots.cloud {
            writeVarint(range.lowerBound - previousUpper - 2)
            writeVarint(range.upperBound - range.lowerBound)
            previousUpper = range.upperBound
        }
    }

    mutating func writeDot(_ dot: Dot, table: NodeTable) {
        writeVarint(table.index(of: dot.node))
        writeVarint(dot.counter)
    }

    mutating func writeDotSet(_ set: DotSet, table: NodeTable) {
        writeVarint(set.elements.count)
        for dot in set.elements { writeDot(dot, table: table) }
    }
}

extension ByteReader {
    /// Reads and checks the header.
    mutating func readHeader(expecting kind: CanonicalFormat.Kind, limits: Limits) throws(DecodingError) {
        guard bytes.count <= limits.maxEncodedBytes else {
            throw error(.inputTooLarge(bytes: bytes.count, limit: limits.maxEncodedBytes))
        }
        guard remaining >= 6 else { throw error(.truncated) }
        let magic = try readRaw(count: 4)
        guard magic.elementsEqual(CanonicalFormat.magic) else {
            throw DecodingError(offset: 0, reason: .badMagic)
        }
        let version = try readByte()
        guard version == CanonicalFormat.version else {
            throw DecodingError(offset: 4, reason: .unsupportedVersion(version))
        }
        let found = try readByte()
        guard found == kind.rawValue else {
            throw DecodingError(offset: 5, reason: .wrongKind(expected: kind.rawValue, found: found))
        }
    }

    /// Reads a causal context and its node table, rejecting unsorted nodes,
    /// empty entries, adjacent or overlapping ranges and overflow.
    mutating func readContext() throws(DecodingError) -> (CausalContext, [NodeID]) {
        let count = try readCount(minimumItemBytes: NodeID.byteCount + 2)
        var context = CausalContext()
        var nodes: [NodeID] = []
        nodes.reserveCapacity(count)
        for _ in 0..<count {
            let start = offset
            let raw = try readRaw(count: NodeID.byteCount)
            let node: NodeID
            do { node = try NodeID(bytes: raw) } catch { throw DecodingError(offset: start, reason: .truncated) }
            if let last = nodes.last, !(last < node) {
                throw DecodingError(offset: start, reason: .notCanonical("context nodes not strictly increasing"))
            }
            context.set(try readNodeDots(start: start), for: node)
            nodes.append(node)
        }
        return (context, nodes)
    }

    /// Reads one node's dots (`writeNodeDots`) of the entry starting at
    /// `start`, rejecting an empty entry and overflowing ranges.
    mutating func readNodeDots(start: Int) throws(DecodingError) -> CausalContext.NodeDots {
        let prefix = try readVarint()
        let rangeCount = try readCount(minimumItemBytes: 2)
        if prefix == 0 && rangeCount == 0 {
            throw DecodingError(offset: start, reason: .notCanonical("empty context entry"))
        }
        var cloud: [ClosedRange<UInt64>] = []
        cloud.reserveCapacity(rangeCount)
        var previousUpper = prefix
        for _ in 0..<rangeCount {
            let gapStart = offset
            let gap = try readVarint()
            let span = try readVarint()
            let (lowerBase, o1) = previousUpper.addingReportingOverflow(2)
            let (lower, o2) = lowerBase.addingReportingOverflow(gap)
            let (upper, o3) = lower.addingReportingOverflow(span)
            if o1 || o2 || o3 { throw DecodingError(offset: gapStart, reason: .lengthOutOfRange(Int(clamping: gap))) }
            cloud.append(lower...upper)
            previousUpper = upper
        }
        return CausalContext.NodeDots(prefix: prefix, cloud: cloud)
    }

    /// Reads a dot and checks that `context` contains it.
    mutating func readDot(nodes: [NodeID], context: CausalContext) throws(DecodingError) -> Dot {
        let start = offset
        let index = try readVarint()
        guard index < UInt64(nodes.count) else {
            throw DecodingError(offset: start, reason: .indexOutOfRange(Int(clamping: index)))
        }
        let dot = Dot(node: nodes[Int(index)], counter: try readVarint())
        guard context.contains(dot) else { throw DecodingError(offset: start, reason: .dotOutsideContext) }
        return dot
    }

    /// Reads a sorted dot set; `allowEmpty` is false where an empty set
    /// would not be canonical.
    mutating func readDotSet(nodes: [NodeID], context: CausalContext, allowEmpty: Bool) throws(DecodingError) -> DotSet {
        let start = offset
        let count = try readCount(minimumItemBytes: 2)
        if count == 0 && !allowEmpty { throw DecodingError(offset: start, reason: .notCanonical("empty dot set")) }
        var dots: [Dot] = []
        dots.reserveCapacity(count)
        for _ in 0..<count {
            let dotStart = offset
            let dot = try readDot(nodes: nodes, context: context)
            if let last = dots.last, !(last < dot) {
                throw DecodingError(offset: dotStart, reason: .notCanonical("dots not strictly increasing"))
            }
            dots.append(dot)
        }
        return DotSet(sortedUnique: dots)
    }
}

extension CausalContext.NodeDots {
    /// The cloud ranges as canonical bytes (gap and span varints, as in the
    /// context encoding), for storing one node's dots in a database row.
    package var cloudBytes: [UInt8] {
        var writer = ByteWriter(capacity: cloud.count * 4)
        var previousUpper = prefix
        for range in cloud {
            writer.writeVarint(range.lowerBound - previousUpper - 2)
            writer.writeVarint(range.upperBound - range.lowerBound)
            previousUpper = range.upperBound
        }
        return writer.bytes
    }

    /// Rebuilds a node's dots from its prefix and `cloudBytes`.
    ///
    /// - Throws: `DecodingError` for malformed or overflowing ranges.
    package init(prefix: UInt64, cloudBytes: [UInt8]) throws(DecodingError) {
        var reader = ByteReader(cloudBytes)
        var ranges: [ClosedRange<UInt64>] = []
        var previousUpper = prefix
        while reader.remaining > 0 {
            let start = reader.offset
            let gap = try reader.readVarint()
            let span = try reader.readVarint()
            let (base, o1) = previousUpper.addingReportingOverflow(2)
            let (lower, o2) = base.addingReportingOverflow(gap)
            let (upper, o3) = lower.addingReportingOverflow(span)
            if o1 || o2 || o3 { throw DecodingError(offset: start, reason: .lengthOutOfRange(Int(clamping: gap))) }
            ranges.append(lower...upper)
            previousUpper = upper
        }
        self.init(prefix: prefix, cloud: ranges)
    }
}
