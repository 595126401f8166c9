// SyncMessage-Parity: the coding of the collection roots a parity check exchanges.

extension ByteWriter {
    /// Collection roots, in increasing name order: varint count, then per
    /// collection its name, varint record count and fixed64 digest.
    mutating func writeRoots(_ roots: [CollectionRoot]) {
        let sorted = roots.sorted { $0.collection < $1.collection }
        writeVarint(sorted.count)
        for root in sorted {
            writeString(root.collection)
            writeVarint(root.count)
            writeFixed64(root.digest)
        }
    }
}

extension ByteReader {
    /// Collection roots; names must be strictly increasing (one entry per
    /// collection, one spelling of the list).
    mutating func readRoots(limits: Limits) throws(DecodingError) -> [CollectionRoot] {
        let count = try readCount(minimumItemBytes: 10)
        var roots: [CollectionRoot] = []
        roots.reserveCapacity(count)
        for _ in 0..<count {
            let start = offset
            let name = try readString(limit: limits.maxIdentifierBytes)
            if let last = roots.last, !(last.collection < name) {
                throw DecodingError(offset: start, reason: .notCanonical("collection roots not strictly increasing"))
            }
            roots.append(CollectionRoot(collection: name, count: try readVarint(), digest: try readFixed64()))
        }
        return roots
    }
}
