extension Value {
    /// The value's canonical bytes (its tag and payload), as stored in a
    /// database column or hashed for a digest.
    public var canonicalBytes: [UInt8] {
        var writer = ByteWriter(capacity: 16)
        writer.writeValue(self)
        return writer.bytes
    }

    /// Decodes `canonicalBytes`.
    ///
    /// - Throws: `DecodingError` for malformed bytes or a value outside `limits`.
    public init(canonicalBytes bytes: [UInt8], limits: Limits = .default) throws(DecodingError) {
        var reader = ByteReader(bytes)
        self = try reader.readValue(limits: limits)
        try reader.expectEnd()
    }
}

extension CausalContext.NodeDots {
    /// The cloud ranges as canonical bytes (gap and span varints, as in the
    /// context encoding), for storing one node's dots in a database row.
    public var cloudBytes: [UInt8] {
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
    public init(prefix: UInt64, cloudBytes: [UInt8]) throws(DecodingError) {
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

extension CausalContext {
    /// Sets what is known of `node` (an empty value removes the node);
    /// used by stores that keep a context one row per node.
    public mutating func replace(_ node: NodeID, with dots: NodeDots) {
        set(dots, for: node)
    }
}
