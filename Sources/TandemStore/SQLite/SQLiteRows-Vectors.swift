import Foundation
import GRDB
import TandemCore

/// The batch vectors of `SQLiteStore` (held, compacted, each peer's
/// acknowledgements), per owner and origin: the contiguous prefix in a
/// `vector` row, and each range above it in a `vector_range` row (schema
/// v2). Recording one batch as held (`insertIntoVector`) reads and writes at
/// most four rows by key, whatever the number of ranges; checking for one
/// (`vectorContains`) and numbering the next local batch
/// (`nextSequence`) read at most two.
///
/// The ranges of one owner and origin are kept canonical, as in
/// `CausalContext.NodeDots`: sorted, disjoint, non-adjacent, each starting
/// at least two above the prefix. A file where they are not is refused on
/// read as malformed.
extension SQLiteRows {
    /// A sequence as stored in `vector_range`: offset by 2^63 into a signed
    /// integer, so SQLite's integer order is the sequences' order over the
    /// whole `UInt64` range (the prefix column keeps the bit pattern, as in v1).
    static func stored(_ sequence: UInt64) -> Int64 { Int64(bitPattern: sequence ^ (1 << 63)) }

    /// The sequence a `vector_range` bound stores.
    static func sequence(stored: Int64) -> UInt64 { UInt64(bitPattern: stored) ^ (1 << 63) }

    /// The whole vector of `owner`.
    mutating func readVector(owner: String) throws(StoreError) -> BatchVector {
        let prefixes = try run {
            try Row.fetchAll(db, sql: "SELECT origin_id, prefix FROM vector WHERE owner = ?", arguments: [owner])
        }
        let rangeRows = try run {
            try Row.fetchAll(
                db, sql: "SELECT origin_id, lower, upper FROM vector_range WHERE owner = ? ORDER BY origin_id, lower",
                arguments: [owner])
        }
        var ranges: [Int64: [ClosedRange<UInt64>]] = [:]
        for row in rangeRows {
            let lower = Self.sequence(stored: row[1])
            let upper = Self.sequence(stored: row[2])
            guard lower <= upper else {
                throw StoreError.malformedRow(path: path, table: "vector_range", detail: "\(owner): range \(lower) above \(upper)")
            }
            ranges[row[0], default: []].append(lower...upper)
        }
        var context = CausalContext()
        for row in prefixes {
            let originRow: Int64 = row[0]
            let prefix = UInt64(bitPattern: row[1] as Int64)
            let cloud = ranges.removeValue(forKey: originRow) ?? []
            var previousUpper = prefix
            for range in cloud {
                // Each range starts at least two above the previous one's end.
                guard range.lowerBound > previousUpper, range.lowerBound - previousUpper >= 2 else {
                    throw StoreError.malformedRow(
                        path: path, table: "vector_range",
                        detail: "\(owner): range \(range) of origin row \(originRow) overlaps or touches what is below it")
                }
                previousUpper = range.upperBound
            }
            context.replace(try node(forRowID: originRow), with: CausalContext.NodeDots(prefix: prefix, cloud: cloud))
        }
        if let orphan = ranges.keys.min() {
            throw StoreError.malformedRow(
                path: path, table: "vector_range", detail: "\(owner): ranges of origin row \(orphan) without a vector row")
        }
        return BatchVector(held: context)
    }

    /// Replaces what `owner`'s vector holds of each of `origins` with what
    /// `vector` holds of it. Costs the ranges written and removed.
    mutating func writeVector(_ vector: BatchVector, owner: String, origins: some Sequence<NodeID>) throws(StoreError) {
        for origin in origins {
            let id = try nodeRowID(origin)
            let dots = vector.held.nodes[origin] ?? CausalContext.NodeDots()
            try setPrefix(dots.prefix, owner: owner, originRow: id)
            try run {
                try db.cachedStatement(sql: "DELETE FROM vector_range WHERE owner = ? AND origin_id = ?")
                    .execute(arguments: [owner, id])
            }
            for range in dots.cloud { try insertRange(range, owner: owner, originRow: id) }
        }
    }

    /// Records batch `sequence` of `origin` in `owner`'s vector.
    ///
    /// - Complexity: O(log r) for r ranges: a few reads and writes by key.
    mutating func insertIntoVector(owner: String, origin: NodeID, sequence: UInt64) throws(StoreError) {
        guard sequence > 0 else { return }
        let id = try nodeRowID(origin)
        let storedPrefix = try self.prefix(owner: owner, originRow: id)
        let prefix = storedPrefix ?? 0
        guard sequence > prefix else { return }
        let below = try range(owner: owner, originRow: id, atOrBelow: sequence)
        if let below, below.upperBound >= sequence { return }
        // The range starting just above `sequence`, which it joins.
        let above = sequence == .max ? nil : try range(owner: owner, originRow: id, startingAt: sequence + 1)
        if let above { try deleteRange(startingAt: above.lowerBound, owner: owner, originRow: id) }
        if sequence - prefix == 1 {
            // The prefix advances, over the range above if it touches.
            try setPrefix(above?.upperBound ?? sequence, owner: owner, originRow: id)
        } else if let below, below.upperBound == sequence - 1 {
            try setUpper(above?.upperBound ?? sequence, ofRangeAt: below.lowerBound, owner: owner, originRow: id)
        } else {
            try insertRange(sequence...(above?.upperBound ?? sequence), owner: owner, originRow: id)
            // Every origin with ranges has a prefix row, if only of 0.
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

    /// The prefix of `owner`'s vector for the origin, or nil without a row.
    private func prefix(owner: String, originRow: Int64) throws(StoreError) -> UInt64? {
        let stored = try run {
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT prefix FROM vector WHERE owner = ? AND origin_id = ?"),
                arguments: [owner, originRow])
        }
        return stored.map { UInt64(bitPattern: $0) }
    }

    private func setPrefix(_ prefix: UInt64, owner: String, originRow: Int64) throws(StoreError) {
        // `cloud` is empty from schema v2 on: the ranges are rows of `vector_range`.
        try run {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO vector (owner, origin_id, prefix, cloud) VALUES (?, ?, ?, X'')")
                .execute(arguments: [owner, originRow, Int64(bitPattern: prefix)])
        }
    }

    /// The range with the highest lower bound at or below `sequence`.
    private func range(owner: String, originRow: Int64, atOrBelow sequence: UInt64) throws(StoreError) -> ClosedRange<UInt64>? {
        let row = try run {
            try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT lower, upper FROM vector_range WHERE owner = ? AND origin_id = ? AND lower <= ?
                    ORDER BY lower DESC LIMIT 1
                    """),
                arguments: [owner, originRow, Self.stored(sequence)])
        }
        guard let row else { return nil }
        return try bounds(row, owner: owner)
    }

    private func range(owner: String, originRow: Int64, startingAt lower: UInt64) throws(StoreError) -> ClosedRange<UInt64>? {
        let row = try run {
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT lower, upper FROM vector_range WHERE owner = ? AND origin_id = ? AND lower = ?"),
                arguments: [owner, originRow, Self.stored(lower)])
        }
        guard let row else { return nil }
        return try bounds(row, owner: owner)
    }

    private func bounds(_ row: Row, owner: String) throws(StoreError) -> ClosedRange<UInt64> {
        let lower = Self.sequence(stored: row[0])
        let upper = Self.sequence(stored: row[1])
        guard lower <= upper else {
            throw StoreError.malformedRow(path: path, table: "vector_range", detail: "\(owner): range \(lower) above \(upper)")
        }
        return lower...upper
    }

    private func insertRange(_ range: ClosedRange<UInt64>, owner: String, originRow: Int64) throws(StoreError) {
        try run {
            try db.cachedStatement(sql: "INSERT INTO vector_range (owner, origin_id, lower, upper) VALUES (?, ?, ?, ?)")
                .execute(arguments: [owner, originRow, Self.stored(range.lowerBound), Self.stored(range.upperBound)])
        }
    }

    private func setUpper(_ upper: UInt64, ofRangeAt lower: UInt64, owner: String, originRow: Int64) throws(StoreError) {
        try run {
            try db.cachedStatement(sql: "UPDATE vector_range SET upper = ? WHERE owner = ? AND origin_id = ? AND lower = ?")
                .execute(arguments: [Self.stored(upper), owner, originRow, Self.stored(lower)])
        }
    }

    private func deleteRange(startingAt lower: UInt64, owner: String, originRow: Int64) throws(StoreError) {
        try run {
            try db.cachedStatement(sql: "DELETE FROM vector_range WHERE owner = ? AND origin_id = ? AND lower = ?")
                .execute(arguments: [owner, originRow, Self.stored(lower)])
        }
    }
}
