/// Reconciliation by digest: how two replicas find and exchange exactly the
/// records that differ, when one needs batches the other has compacted out
/// of its delta log (or is brand new).
///
/// Records are placed in 65,536 leaf buckets by the top 16 bits of a hash
/// of their id. A bucket at level `l` (1...4) covers the leaves sharing the
/// top `4l` bits. A bucket's digest is the wrapping sum of its records'
/// digests, and its count the number of records, so digests combine in any
/// order and stores can maintain them incrementally.
///
/// 1. The side ahead sends a state digest: per collection, the root count
///    and digest. Equal everywhere: the states are equal, and the side
///    behind adopts the sender's batch vector.
/// 2. Otherwise the side behind sends level-1 bucket digests for the
///    collections that differ; each side compares the other's buckets with
///    its own (`compare`): equal buckets are done, small or one-sided
///    buckets exchange their records, large ones drill a level down.
/// 3. Records travel with the sender's whole causal context; the receiver
///    joins `scopedDelta(...)`: the sender's records of those buckets, plus
///    the removals the sender's context proves, for those buckets only.
///
/// Everything here is pure: the driver fetches digests and records from
/// the store and calls these functions.
public enum DigestReconciliation {
    /// The deepest level: 16 bits, 65,536 leaves.
    public static let maxLevel = 4
    /// Buckets with at most this many records on either side exchange their
    /// records rather than drilling further.
    public static let smallBucket: UInt64 = 32

    /// A bucket's summary.
    public struct BucketDigest: Hashable, Sendable {
        /// The bucket's bits: the top `4 * level` bits of the id hash.
        public var prefix: UInt32
        public var count: UInt64
        public var digest: UInt64

        public init(prefix: UInt32, count: UInt64, digest: UInt64) {
            self.prefix = prefix
            self.count = count
            self.digest = digest
        }
    }

    /// What to do after comparing the other side's buckets with ours.
    public struct Comparison: Hashable, Sendable {
        /// Buckets to compare one level down.
        public var drill: [UInt32] = []
        /// Buckets whose records to exchange.
        public var exchange: [UInt32] = []
    }

    /// The leaf bucket (top 16 bits of the id hash) of a record: a hash of
    /// the id's bytes in Unicode normal form C (`Identifier`), so every
    /// spelling of one id, which is one record, lands in one bucket.
    public static func leaf(of id: String) -> UInt16 {
        UInt16(truncatingIfNeeded: mix(fnv1a(Array(Identifier.normalized(id).utf8))) >> 48)
    }

    /// The bucket at `level` containing `leaf`.
    public static func bucket(ofLeaf leaf: UInt16, level: Int) -> UInt32 {
        UInt32(leaf) >> UInt32(16 - 4 * level)
    }

    /// The digest of one record: its id and every entry, in canonical order.
    /// Ids and names are hashed in Unicode normal form C (`Identifier`), the
    /// one spelling a `RecordCollection` holds.
    ///
    /// - Complexity: O(e log e) for the record's e entries and dots (its
    ///   node table is sorted), plus the bytes of its names and values.
    public static func digest(of id: String, _ store: RecordStore) -> UInt64 {
        var writer = ByteWriter(capacity: 128)
        writer.writeString(Identifier.normalized(id))
        var table: [NodeID: Int] = [:]
        var context = CausalContext()
        store.forEachDot { context.insert($0) }
        let nodes = NodeTable(context)
        for (index, node) in nodes.nodes.enumerated() { table[node] = index }
        writer.writeRaw(nodes.nodes.flatMap(\.bytes))
        writer.writeDotSet(store.presence, table: nodes)
        for (name, register) in store.fields {
            writer.writeString(Identifier.normalized(name))
            writer.writeRegister(register, table: nodes, base: 0)
        }
        for name in store.sets.sortedKeys {
            writer.writeString(Identifier.normalized(name))
            writer.writeSet(store.sets[name], table: nodes)
        }
        return mix(fnv1a(writer.bytes))
    }

    /// Bucket digests at `level` from leaf digests, for all buckets with
    /// records or only for `prefixes`.
    ///
    /// - Complexity: O(L + k log k) for L leaves and k buckets returned:
    ///   every leaf is summed once, then the buckets are sorted.
    public static func buckets(
        fromLeaves leaves: [UInt16: (count: UInt64, digest: UInt64)], level: Int, only prefixes: Set<UInt32>? = nil
    ) -> [BucketDigest] {
        var sums: [UInt32: (count: UInt64, digest: UInt64)] = [:]
        if let prefixes { for prefix in prefixes { sums[prefix] = (0, 0) } }
        for (leaf, value) in leaves {
            let prefix = bucket(ofLeaf: leaf, level: level)
            if let prefixes, !prefixes.contains(prefix) { continue }
            let current = sums[prefix] ?? (0, 0)
            sums[prefix] = (current.count &+ value.count, current.digest &+ value.digest)
        }
        return sums.map { BucketDigest(prefix: $0.key, count: $0.value.count, digest: $0.value.digest) }
            .sorted { $0.prefix < $1.prefix }
    }

    /// The whole collection's count and digest.
    ///
    /// - Complexity: O(L) for L leaves.
    public static func root(fromLeaves leaves: [UInt16: (count: UInt64, digest: UInt64)]) -> (count: UInt64, digest: UInt64) {
        leaves.values.reduce((0, 0)) { ($0.0 &+ $1.count, $0.1 &+ $1.digest) }
    }

    /// Compares the other side's buckets at `level` with ours. Buckets we
    /// have that the other side did not list count as differing only when
    /// `theirsIsComplete` (they listed every non-empty bucket they have).
    ///
    /// - Complexity: O(L + b log b) for L of our non-empty leaves and b
    ///   buckets they listed: every leaf of ours is summed once (into the
    ///   listed buckets only), whatever the level.
    public static func compare(
        theirs: [BucketDigest], level: Int, ourLeaves: [UInt16: (count: UInt64, digest: UInt64)]
    ) -> Comparison {
        let listed = Set(theirs.map(\.prefix))
        let ours = Dictionary(uniqueKeysWithValues: buckets(fromLeaves: ourLeaves, level: level, only: listed).map { ($0.prefix, $0) })
        var result = Comparison()
        for their in theirs {
            let mine = ours[their.prefix] ?? BucketDigest(prefix: their.prefix, count: 0, digest: 0)
            if mine.count == their.count && mine.digest == their.digest { continue }
            if level >= maxLevel || mine.count == 0 || their.count == 0
                || mine.count <= smallBucket || their.count <= smallBucket {
                result.exchange.append(their.prefix)
            } else {
                result.drill.append(their.prefix)
            }
        }
        return result
    }

    /// The child prefixes, one level down, of `prefix`.
    public static func children(of prefix: UInt32) -> [UInt32] {
        (0..<16).map { prefix << 4 | UInt32($0) }
    }

    /// The leaf buckets a bucket at `level` covers.
    public static func leaves(ofBucket prefix: UInt32, level: Int) -> ClosedRange<UInt16> {
        let shift = UInt32(16 - 4 * level)
        let low = prefix << shift
        return UInt16(truncatingIfNeeded: low)...UInt16(truncatingIfNeeded: low + (1 << shift) - 1)
    }

    /// Splits the records of one leaf range into chunks of at most
    /// `maxRecords` records and about `maxBytes` of encoded records (see
    /// `estimatedBytes`), each covering a contiguous sub-range of leaves
    /// completely; together they cover `range`. A leaf is never split, so a
    /// leaf over either bound travels alone. A range with no records gives
    /// one empty chunk (it still carries the sender's removals).
    ///
    /// - Complexity: O(n + e + l log l) for n records with e entries and
    ///   dots in all, in l leaves: each record is hashed to its leaf and
    ///   estimated once, and the leaves are sorted.
    public static func chunks(
        of records: [String: RecordStore], covering range: ClosedRange<UInt16>, maxRecords: Int, maxBytes: Int = .max
    ) -> [(leaves: ClosedRange<UInt16>, records: [String: RecordStore])] {
        var byLeaf: [UInt16: [String: RecordStore]] = [:]
        for (id, store) in records { byLeaf[leaf(of: id), default: [:]][id] = store }
        var result: [(leaves: ClosedRange<UInt16>, records: [String: RecordStore])] = []
        var start = range.lowerBound
        var current: [String: RecordStore] = [:]
        var currentBytes = 0
        for leaf in byLeaf.keys.sorted() where range.contains(leaf) {
            let leafRecords = byLeaf[leaf] ?? [:]
            let leafBytes = leafRecords.reduce(0) { $0 + estimatedBytes(id: $1.key, $1.value) }
            if !current.isEmpty && leaf > start
                && (current.count + leafRecords.count > maxRecords || currentBytes + leafBytes > maxBytes) {
                result.append((start...(leaf - 1), current))
                current = [:]
                currentBytes = 0
                start = leaf
            }
            current.merge(leafRecords) { first, _ in first }
            currentBytes += leafBytes
        }
        result.append((start...range.upperBound, current))
        return result
    }

    /// An upper estimate of the bytes record `id` takes in a canonical
    /// record collection: its id, every dot and timestamp, field and set
    /// names, and values (the encoding shares much of this, so it is less).
    public static func estimatedBytes(id: String, _ store: RecordStore) -> Int {
        func valueBytes(_ value: Value) -> Int {
            switch value {
            case .string(let text): text.utf8.count + 5
            case .bytes(let bytes): bytes.count + 5
            default: 9
            }
        }
        var bytes = id.utf8.count + 8
        store.presence.forEachDot { _ in bytes += 12 }
        for (name, register) in store.fields {
            bytes += name.utf8.count + 4
            for entry in register.entries { bytes += valueBytes(entry.value) + 24 }
        }
        for (name, set) in store.sets.entries {
            bytes += name.utf8.count + 4
            for (element, dots) in set.entries {
                bytes += valueBytes(element)
                dots.forEachDot { _ in bytes += 12 }
            }
        }
        return bytes
    }

    /// The delta a receiver joins for a records exchange: the sender's
    /// records of the exchanged buckets (`theirs`, with the sender's whole
    /// causal context), plus, for the receiver's own records of those buckets
    /// (`ours`), the dots the sender's context has seen (which the sender
    /// therefore removed or overwrote). Joining it is a join with a state
    /// below the sender's, so it is safe whatever else either side holds.
    ///
    /// - Complexity: O(d log r) for the d dots of both sides' records and r
    ///   ranges of the contexts they are looked up in and inserted into.
    public static func scopedDelta(theirs: RecordCollection, ours: [String: RecordStore]) -> RecordCollection {
        var context = CausalContext()
        for store in theirs.records.values { store.forEachDot { context.insert($0) } }
        for store in ours.values {
            store.forEachDot { dot in if theirs.context.contains(dot) { context.insert(dot) } }
        }
        // `theirs.records` are a collection's: non-empty, and their dots are
        // in `context`, which holds every one of them.
        return RecordCollection(decoded: theirs.records, context: context)
    }

    private static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0100_0000_01b3 }
        return hash
    }

    /// SplitMix64's finaliser: spreads FNV's weak high bits.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
