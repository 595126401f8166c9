import PostgresNIO
import TandemStore

/// The row writes of one `DeltaApplier` pass over a PostgreSQL store, held
/// until its last record is written and then sent as a few multi-row
/// statements: a commit of 1,000 records of 10 fields was 13,000 round
/// trips, one per row, and is a few dozen.
///
/// Guarantees: `send` leaves the tables exactly as the per-row statements
/// did, in the same transaction: entry deletes before entry inserts (a row
/// may be replaced under its dot), leaf digests summed as the per-record
/// updates summed them (wrapping 64-bit arithmetic), record leaves removed
/// and added as the last write of each record says.
struct PendingRowWrites {
    struct EntryKey {
        var collectionID: Int64
        var record: String
        var nodeID: Int64
        var counter: Int64
    }

    struct RecordKey: Hashable {
        var collectionID: Int64
        var record: String
    }

    struct LeafKey: Hashable, Comparable {
        var collectionID: Int64
        var leaf: Int64

        static func < (a: LeafKey, b: LeafKey) -> Bool { (a.collectionID, a.leaf) < (b.collectionID, b.leaf) }
    }

    /// A leaf's change: records added minus removed, digests added minus removed.
    struct LeafChange {
        var count: UInt64 = 0
        var digest: UInt64 = 0
    }

    var entryDeletes: [EntryKey] = []
    /// Each an `entry` row: collection, node, counter, record, kind, name, element, timestamp, value.
    var entryInserts: [[SQLValue]] = []
    var leafChanges: [LeafKey: LeafChange] = [:]
    /// Records whose leaf row must be (re)written, and their leaf.
    var recordLeaves: [RecordKey: Int64] = [:]
    var recordLeafDeletes: Set<RecordKey> = []

    var isEmpty: Bool {
        entryDeletes.isEmpty && entryInserts.isEmpty && leafChanges.isEmpty && recordLeaves.isEmpty && recordLeafDeletes.isEmpty
    }

    mutating func addDigest(collectionID: Int64, leaf: Int64, removing old: UInt64?, adding new: UInt64?) {
        var change = leafChanges[LeafKey(collectionID: collectionID, leaf: leaf), default: LeafChange()]
        if let old {
            change.count &-= 1
            change.digest &-= old
        }
        if let new {
            change.count &+= 1
            change.digest &+= new
        }
        leafChanges[LeafKey(collectionID: collectionID, leaf: leaf)] = change
    }

    /// Rows per statement: well under PostgreSQL's 65,535 bind parameters.
    private static let rowsPerStatement = 500

    /// Sends every buffered write on `link`; `decode` reads a
    /// `(leaf, count, digest)` row of `leaf_digest`.
    func send(
        on link: PostgresLink, decode: (PostgresRow) throws(StoreError) -> (Int64, Int64, Int64)
    ) throws(StoreError) {
        for chunk in Self.chunks(entryDeletes) {
            var values: [SQLValue] = []
            var tuples: [String] = []
            for key in chunk {
                let base = values.count
                tuples.append("($\(base + 1)::int8, $\(base + 2)::bytea, $\(base + 3)::int8, $\(base + 4)::int8)")
                values += [.int(key.collectionID), .utf8(key.record), .int(key.nodeID), .int(key.counter)]
            }
            try link.execute(
                "DELETE FROM entry WHERE (collection_id, record, node_id, counter) IN (VALUES \(tuples.joined(separator: ", ")))",
                values)
        }
        for chunk in Self.chunks(entryInserts) {
            try link.execute(
                "INSERT INTO entry (collection_id, node_id, counter, record, kind, name, element, timestamp, value) VALUES "
                    + Self.placeholders(rows: chunk.count, columns: 9),
                chunk.flatMap { $0 })
        }
        try sendLeafDigests(on: link, decode: decode)
        for chunk in Self.chunks(recordLeafDeletes.sorted { ($0.collectionID, $0.record) < ($1.collectionID, $1.record) }) {
            var values: [SQLValue] = []
            var tuples: [String] = []
            for key in chunk {
                tuples.append("($\(values.count + 1)::int8, $\(values.count + 2)::bytea)")
                values += [.int(key.collectionID), .utf8(key.record)]
            }
            try link.execute(
                "DELETE FROM record_leaf WHERE (collection_id, record) IN (VALUES \(tuples.joined(separator: ", ")))", values)
        }
        let leaves = recordLeaves.sorted { ($0.key.collectionID, $0.key.record) < ($1.key.collectionID, $1.key.record) }
        for chunk in Self.chunks(leaves) {
            try link.execute(
                "INSERT INTO record_leaf (collection_id, record, leaf) VALUES " + Self.placeholders(rows: chunk.count, columns: 3)
                    + " ON CONFLICT (collection_id, record) DO UPDATE SET leaf = excluded.leaf",
                chunk.flatMap { [.int($0.key.collectionID), .utf8($0.key.record), .int($0.value)] })
        }
    }

    /// Reads the stored count and digest of every changed leaf, adds the
    /// changes, and writes the sums back.
    private func sendLeafDigests(
        on link: PostgresLink, decode: (PostgresRow) throws(StoreError) -> (Int64, Int64, Int64)
    ) throws(StoreError) {
        let keys = leafChanges.keys.sorted()
        var stored: [LeafKey: LeafChange] = [:]
        for (collectionID, leaves) in Dictionary(grouping: keys, by: \.collectionID).sorted(by: { $0.key < $1.key }) {
            for chunk in Self.chunks(leaves) {
                let list = (0..<chunk.count).map { "$\($0 + 2)" }.joined(separator: ", ")
                let rows = try link.query(
                    "SELECT leaf, count, digest FROM leaf_digest WHERE collection_id = $1 AND leaf IN (\(list))",
                    [.int(collectionID)] + chunk.map { .int($0.leaf) })
                for row in rows {
                    let (leaf, count, digest) = try decode(row)
                    stored[LeafKey(collectionID: collectionID, leaf: leaf)] = LeafChange(
                        count: UInt64(bitPattern: count), digest: UInt64(bitPattern: digest))
                }
            }
        }
        for chunk in Self.chunks(keys) {
            var values: [SQLValue] = []
            for key in chunk {
                let base = stored[key] ?? LeafChange()
                let change = leafChanges[key] ?? LeafChange()
                values += [
                    .int(key.collectionID), .int(key.leaf),
                    .int(Int64(bitPattern: base.count &+ change.count)), .int(Int64(bitPattern: base.digest &+ change.digest)),
                ]
            }
            try link.execute(
                "INSERT INTO leaf_digest (collection_id, leaf, count, digest) VALUES " + Self.placeholders(rows: chunk.count, columns: 4)
                    + " ON CONFLICT (collection_id, leaf) DO UPDATE SET count = excluded.count, digest = excluded.digest",
                values)
        }
    }

    private static func chunks<Element>(_ items: [Element]) -> [ArraySlice<Element>] {
        stride(from: 0, to: items.count, by: rowsPerStatement).map { items[$0..<min($0 + rowsPerStatement, items.count)] }
    }

    /// `($1, …, $c), ($c+1, …), …` for `rows` rows of `columns` values.
    private static func placeholders(rows: Int, columns: Int) -> String {
        (0..<rows).map { row in
            "(" + (1...columns).map { "$\(row * columns + $0)" }.joined(separator: ", ") + ")"
        }.joined(separator: ", ")
    }
}
