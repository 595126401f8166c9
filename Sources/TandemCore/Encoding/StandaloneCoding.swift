extension LWWRegister {
    /// The canonical bytes of this register state or delta.
    public func encoded() -> [UInt8] {
        let table = NodeTable(state.context)
        let base = state.store.entries.map(\.timestamp.rawValue).min() ?? 0
        var writer = ByteWriter()
        writer.writeHeader(.lwwRegister)
        writer.writeContext(state.context, table: table)
        writer.writeVarint(base)
        if state.store.isEmpty {
            writer.writeVarint(0)
        } else {
            writer.writeRegister(state.store, table: table, base: base)
        }
        return writer.bytes
    }

    /// Decodes canonical bytes made by `encoded()`.
    ///
    /// - Throws: `DecodingError` for anything malformed or non-canonical.
    public init(decoding bytes: [UInt8], limits: Limits = .default) throws(DecodingError) {
        var reader = ByteReader(bytes)
        try reader.readHeader(expecting: .lwwRegister, limits: limits)
        let (context, nodes) = try reader.readContext()
        let baseOffset = reader.offset
        let base = try reader.readBaseTimestamp()
        let scope = PayloadScope(nodes: nodes, context: context, base: base, limits: limits)
        var minimum = UInt64.max
        var store = RegisterStore()
        // An empty register is written as a zero count.
        if reader.remaining > 0, reader.peekIsZero {
            _ = try reader.readVarint()
        } else {
            store = try reader.readRegister(scope, minimum: &minimum)
        }
        try reader.checkBase(base, minimum: minimum, sawEntries: !store.isEmpty, at: baseOffset)
        try reader.expectEnd()
        self.init(state: Causal(store: store, context: context))
    }
}

extension AWORSet {
    /// The canonical bytes of this set state or delta.
    public func encoded() -> [UInt8] {
        let table = NodeTable(state.context)
        var writer = ByteWriter()
        writer.writeHeader(.aworSet)
        writer.writeContext(state.context, table: table)
        writer.writeSet(state.store, table: table)
        return writer.bytes
    }

    /// Decodes canonical bytes made by `encoded()`.
    ///
    /// - Throws: `DecodingError` for anything malformed or non-canonical.
    public init(decoding bytes: [UInt8], limits: Limits = .default) throws(DecodingError) {
        var reader = ByteReader(bytes)
        try reader.readHeader(expecting: .aworSet, limits: limits)
        let (context, nodes) = try reader.readContext()
        let scope = PayloadScope(nodes: nodes, context: context, base: 0, limits: limits)
        var store = DotMap<Value, DotSet>()
        if reader.remaining > 0, reader.peekIsZero {
            _ = try reader.readVarint()
        } else {
            store = try reader.readSet(scope)
        }
        try reader.expectEnd()
        self.init(state: Causal(store: store, context: context))
    }
}

extension ByteReader {
    /// Whether the next byte is a zero (an empty count).
    var peekIsZero: Bool { remaining > 0 && bytes[offset] == 0 }
}
