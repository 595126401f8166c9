// The canonical order of record ids (by their UTF-8 bytes) and their front coding.

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

extension StagedWriter {
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
}
