extension RecordCollection {
    /// The canonical bytes of this state or delta (docs/protocol.md,
    /// "Canonical encoding"): header, causal context, base timestamp, field
    /// name table, then records sorted by id.
    ///
    /// - Complexity: O(n log n) in the number of records and fields (sorting).
    public func encoded() -> [UInt8] {
        let table = NodeTable(context)
        var names = Set<String>()
        var base = UInt64.max
        for store in records.values {
            for (name, register) in store.fields.entries {
                names.insert(name)
                for entry in register.entries { base = min(base, entry.timestamp.rawValue) }
            }
            for name in store.sets.entries.keys { names.insert(name) }
        }
        if base == .max { base = 0 }
        let sortedNames = names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var nameIndexes: [String: Int] = [:]
        nameIndexes.reserveCapacity(sortedNames.count)
        for (index, name) in sortedNames.enumerated() { nameIndexes[name] = index }

        var writer = ByteWriter(capacity: 64 + records.count * 64)
        writer.writeHeader(.recordCollection)
        writer.writeContext(context, table: table)
        writer.writeVarint(base)
        writer.writeVarint(sortedNames.count)
        for name in sortedNames { writer.writeString(name) }
        writer.writeVarint(records.count)
        let ids = records.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for id in ids {
            guard let store = records[id] else { continue }
            writer.writeString(id)
            writer.writeDotSet(store.presence, table: table)
            let fieldNames = store.fields.entries.keys.map { nameIndexes[$0] ?? 0 }.sorted()
            writer.writeVarint(fieldNames.count)
            for index in fieldNames {
                writer.writeVarint(index)
                writer.writeRegister(store.fields[sortedNames[index]], table: table, base: base)
            }
            let setNames = store.sets.entries.keys.map { nameIndexes[$0] ?? 0 }.sorted()
            writer.writeVarint(setNames.count)
            for index in setNames {
                writer.writeVarint(index)
                writer.writeSet(store.sets[sortedNames[index]], table: table)
            }
        }
        return writer.bytes
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
        let baseOffset = reader.offset
        let base = try reader.readBaseTimestamp()
        let scope = PayloadScope(nodes: nodes, context: context, base: base, limits: limits)

        let nameCount = try reader.readCount(minimumItemBytes: 2)
        var names: [String] = []
        names.reserveCapacity(nameCount)
        for _ in 0..<nameCount {
            let start = reader.offset
            let name = try reader.readString(limit: limits.maxIdentifierBytes)
            if name.isEmpty { throw DecodingError(offset: start, reason: .notCanonical("empty field name")) }
            if let last = names.last, !last.utf8.lexicographicallyPrecedes(name.utf8) || last == name {
                throw DecodingError(offset: start, reason: .notCanonical("field names not strictly increasing"))
            }
            names.append(name)
        }
        var nameUsed = [Bool](repeating: false, count: names.count)

        let recordCount = try reader.readCount(minimumItemBytes: 5)
        var records: [String: RecordStore] = [:]
        records.reserveCapacity(recordCount)
        var previousID: String?
        var minimum = UInt64.max
        var sawEntries = false
        for _ in 0..<recordCount {
            let start = reader.offset
            let id = try reader.readString(limit: limits.maxIdentifierBytes)
            if id.isEmpty { throw DecodingError(offset: start, reason: .notCanonical("empty record id")) }
            if let previousID, !previousID.utf8.lexicographicallyPrecedes(id.utf8) || records[id] != nil {
                throw DecodingError(offset: start, reason: .notCanonical("record ids not strictly increasing"))
            }
            previousID = id
            var store = RecordStore()
            store.presence = try reader.readDotSet(nodes: nodes, context: context, allowEmpty: true)

            let fieldCount = try reader.readCount(minimumItemBytes: 5)
            var fields: [String: RegisterStore] = [:]
            fields.reserveCapacity(fieldCount)
            var previousIndex = -1
            for _ in 0..<fieldCount {
                let index = try reader.readNameIndex(after: previousIndex, count: names.count)
                previousIndex = index
                nameUsed[index] = true
                fields[names[index]] = try reader.readRegister(scope, minimum: &minimum)
                sawEntries = true
            }
            store.fields.entries = fields

            let setCount = try reader.readCount(minimumItemBytes: 4)
            var sets: [String: DotMap<Value, DotSet>] = [:]
            previousIndex = -1
            for _ in 0..<setCount {
                let index = try reader.readNameIndex(after: previousIndex, count: names.count)
                previousIndex = index
                nameUsed[index] = true
                sets[names[index]] = try reader.readSet(scope)
            }
            store.sets.entries = sets
            if store.isEmpty { throw DecodingError(offset: start, reason: .notCanonical("empty record")) }
            records[id] = store
        }
        try reader.checkBase(base, minimum: minimum, sawEntries: sawEntries, at: baseOffset)
        if nameUsed.contains(false) {
            throw DecodingError(offset: reader.offset, reason: .notCanonical("unused field name in the name table"))
        }
        try reader.expectEnd()
        self.init(records: records, context: context)
    }
}

extension ByteReader {
    /// Reads a name-table index that must exceed `previous`.
    mutating func readNameIndex(after previous: Int, count: Int) throws(DecodingError) -> Int {
        let start = offset
        let raw = try readVarint()
        guard raw < UInt64(count) else { throw DecodingError(offset: start, reason: .indexOutOfRange(Int(clamping: raw))) }
        let index = Int(raw)
        guard index > previous else {
            throw DecodingError(offset: start, reason: .notCanonical("field names not strictly increasing"))
        }
        return index
    }
}
