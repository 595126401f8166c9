import PostgresNIO
import TandemCore
import TandemStore

/// The batch vectors of `PostgresStore` (held, compacted, each peer's
/// acknowledgements), per owner and origin: the contiguous prefix in a
/// `vector` row, and each range above it in a `vector_range` row, exactly
/// as `SQLiteStore` keeps them from its schema v2 on. Recording one batch
/// reads and writes a few rows by key, whatever the number of ranges.
/// Range bounds are stored offset by 2^63, so that signed order is
/// sequence order; the prefix keeps the bit pattern.
extension PostgresRows {
    static func stored(_ sequence: UInt64) -> Int64 { Int64(bitPattern: sequence ^ (1 << 63)) }
    static func sequence(stored: Int64) -> UInt64 { UInt64(bitPattern: stored) ^ (1 << 63) }

    /// The whole vector of `owner`.
    mutating func readVector(owner: String) throws(StoreError) -> BatchVector {
        let prefixRows = try link.query("SELECT origin_id, prefix FROM vector WHERE owner = $1", [.text(owner)])
        let rangeRows = try link.query(
            "SELECT origin_id, lower, upper FROM vector_range WHERE owner = $1 ORDER BY origin_id, lower", [.text(owner)])
        var ranges: [Int64: [ClosedRange<UInt64>]] = [:]
        for row in rangeRows {
            let (origin, storedLower, storedUpper) = try decode(row, (Int64, Int64, Int64).self, table: "vector_range")
            let lower = Self.sequence(stored: storedLower)
            let upper = Self.sequence(stored: storedUpper)
            guard lower <= upper else {
                throw StoreError.malformedRow(path: label, table: "vector_range", detail: "\(owner): range \(lower) above \(upper)")
            }
            ranges[origin, default: []].append(lower...upper)
        }
        var context = CausalContext()
        for row in prefixRows {
            let (originRow, storedPrefix) = try decode(row, (Int64, Int64).self, table: "vector")
            let prefix = UInt64(bitPattern: storedPrefix)
            let cloud = ranges.removeValue(forKey: originRow) ?? []
            var previousUpper = prefix
            for range in cloud {
                guard range.lowerBound > previousUpper, range.lowerBound - previousUpper >= 2 else {
                    throw StoreError.malformedRow(
                        path: label, table: "vector_range",
                        detail: "\(owner): range \(range) of origin row \(originRow) overlaps or touches what is below it")
                }
                previousUpper = range.upperBound
            }
            context.replace(try node(forRowID: originRow), with: CausalContext.NodeDots(prefix: prefix, cloud: cloud))
        }
        if let orphan = ranges.keys.min() {
            throw StoreError.malformedRow(
                path: label, table: "vector_range", detail: "\(owner): ranges of origin row \(orphan) without a vector row")
        }
        return BatchVector(held: context)
    }

    /// Replaces what `owner`'s vector holds of each of `origins` with what
    /// `vector` holds of it.
    mutating func writeVector(_ vector: BatchVector, owner: String, origins: some Sequence<NodeID>) throws(StoreError) {
        for origin in origins {
            let id = try nodeRowID(origin)
            let dots = vector.held.nodes[origin] ?? CausalContext.NodeDots()
            try setPrefix(dots.prefix, owner: owner, originRow: id)
            try link.execute("DELETE FROM vector_range WHERE owner = $1 AND origin_id = $2", [.text(owner), .int(id)])
            for range in dots.cloud { try insertRange(range, owner: owner, originRow: id) }
        }
    }

    /// Records batch `sequence` of `origin` in `owner`'s vector.
    mutating func insertIntoVector(owner: String, origin: NodeID, sequence: UInt64) throws(StoreError) {
        guard sequence > 0 else { return }
        let id = try nodeRowID(origin)
        let storedPrefix = try prefix(owner: owner, originRow: id)
        let prefix = storedPrefix ?? 0
        guard sequence > prefix else { return }
        let below = try range(owner: owner, originRow: id, atOrBelow: sequence)
        if let below, below.upperBound >= sequence { return }
        let above = sequence == .max ? nil : try range(owner: owner, originRow: id, startingAt: sequence + 1)
        if let above {
            try link.execute(
                "DELETE FROM vector_range WHERE owner = $1 AND origin_id = $2 AND lower = $3",
                [.text(owner), .int(id), .int(Self.stored(above.lowerBound))])
        }
        if sequence - prefix == 1 {
            try setPrefix(above?.upperBound ?? sequence, owner: owner, originRow: id)
        } else if let below, below.upperBound == sequence - 1 {
            try link.execute(
                "UPDATE vector_range SET upper = $1 WHERE owner = $2 AND origin_id = $3 AND lower = $4",
                [.int(Self.stored(above?.upperBound ?? sequence)), .text(owner), .int(id), .int(Self.stored(below.lowerBound))])
        } else {
            try insertRange(sequence...(above?.upperBound ?? sequence), owner: owner, originRow: id)
            if storedPrefix == nil { try setPrefix(0, owner: owner, originRow: id) }
        }
    }

    /// Whether `owner`'s vector holds batch `sequence` of `origin`.
    mutating func vectorContains(owner: String, origin: NodeID, sequence: UInt64) throws(StoreError) -> Bool {
        guard sequence > 0, let id = try knownNodeRowID(origin) else { return false }
        if sequence <= (try prefix(owner: owner, originRow: id) ?? 0) { return true }
        guard let below = try range(owner: owner, originRow: id, atOrBelow: sequence) else { return false }
        return below.upperBound >= sequence
    }

    /// One above the highest sequence of `origin` in `owner`'s vector.
    mutating func nextSequence(owner: String, origin: NodeID) throws(StoreError) -> UInt64 {
        guard let id = try knownNodeRowID(origin) else { return 1 }
        if let highest = try range(owner: owner, originRow: id, atOrBelow: .max) { return highest.upperBound &+ 1 }
        return (try prefix(owner: owner, originRow: id) ?? 0) &+ 1
    }

    // MARK: Rows

    private func prefix(owner: String, originRow: Int64) throws(StoreError) -> UInt64? {
        guard let row = try link.query(
            "SELECT prefix FROM vector WHERE owner = $1 AND origin_id = $2", [.text(owner), .int(originRow)]).first else { return nil }
        return UInt64(bitPattern: try decode(row, Int64.self, table: "vector"))
    }

    private func setPrefix(_ prefix: UInt64, owner: String, originRow: Int64) throws(StoreError) {
        try link.execute(
            """
            INSERT INTO vector (owner, origin_id, prefix) VALUES ($1, $2, $3)
            ON CONFLICT (owner, origin_id) DO UPDATE SET prefix = excluded.prefix
            """,
            [.text(owner), .int(originRow), .int(Int64(bitPattern: prefix))])
    }

    private func range(owner: String, originRow: Int64, atOrBelow sequence: UInt64) throws(StoreError) -> ClosedRange<UInt64>? {
        guard let row = try link.query(
            """
            SELECT lower, upper FROM vector_range WHERE owner = $1 AND origin_id = $2 AND lower <= $3
            ORDER BY lower DESC LIMIT 1
            """,
            [.text(owner), .int(originRow), .int(Self.stored(sequence))]).first else { return nil }
        return try bounds(row, owner: owner)
    }

    private func range(owner: String, originRow: Int64, startingAt lower: UInt64) throws(StoreError) -> ClosedRange<UInt64>? {
        guard let row = try link.query(
            "SELECT lower, upper FROM vector_range WHERE owner = $1 AND origin_id = $2 AND lower = $3",
            [.text(owner), .int(originRow), .int(Self.stored(lower))]).first else { return nil }
        return try bounds(row, owner: owner)
    }

    private func bounds(_ row: PostgresRow, owner: String) throws(StoreError) -> ClosedRange<UInt64> {
        let (storedLower, storedUpper) = try decode(row, (Int64, Int64).self, table: "vector_range")
        let lower = Self.sequence(stored: storedLower)
        let upper = Self.sequence(stored: storedUpper)
        guard lower <= upper else {
            throw StoreError.malformedRow(path: label, table: "vector_range", detail: "\(owner): range \(lower) above \(upper)")
        }
        return lower...upper
    }

    private func insertRange(_ range: ClosedRange<UInt64>, owner: String, originRow: Int64) throws(StoreError) {
        try link.execute(
            "INSERT INTO vector_range (owner, origin_id, lower, upper) VALUES ($1, $2, $3, $4)",
            [.text(owner), .int(originRow), .int(Self.stored(range.lowerBound)), .int(Self.stored(range.upperBound))])
    }
}
