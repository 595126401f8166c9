/// A message of the sync protocol, exchanged between two authenticated
/// nodes over the transport (docs/protocol.md, "Sync messages").
public enum SyncMessage: Hashable, Sendable {
    /// "These are the batches I hold, those I have compacted out of my delta
    /// log, and the nodes I am connected to." Sent on connect and on every
    /// anti-entropy round; it is also the acknowledgement that lets the
    /// receiver compact its log. The neighbours let a relay skip peers that
    /// get a batch straight from its origin.
    case summary(held: BatchVector, compacted: BatchVector, neighbors: [NodeID])
    /// Signed batches, each intact as its origin signed it.
    case batches([DeltaBatch])
    /// Reconciliation, step 1: the sender's batch vector and, per
    /// collection, the count and digest of all its records.
    case stateDigest(held: BatchVector, collections: [CollectionDigest])
    /// Reconciliation, step 2: the sender's bucket digests at `level` for
    /// the listed buckets (every bucket in scope, empty ones included).
    case bucketDigests(collection: String, level: UInt8, buckets: [DigestReconciliation.BucketDigest])
    /// Reconciliation, step 3: all the sender's records whose leaf bucket is
    /// in `leaves`, with its whole causal context (`payload` is a canonical
    /// record collection), signed by the sender. `isReply` marks the answer
    /// to records received (which is not answered again).
    case records(RecordsChunk)
    /// Parity check, step 1 (docs/protocol.md, "Parity check against a
    /// peer"): check number `check` of the sender, its batch vector and,
    /// per collection, the count and digest of all its records.
    case parityRequest(check: UInt64, held: BatchVector, collections: [CollectionRoot])
    /// Parity check, step 2: the answer to `parityRequest` number `check`:
    /// the replier's batch vector and roots when it answered, how many
    /// records it has joined from the requester since that check began, and
    /// whether it started the drill-down (`bucketDigests`) itself.
    case parityReply(check: UInt64, held: BatchVector, collections: [CollectionRoot], repaired: UInt64, drilling: Bool)
    /// "Since the last summary you acknowledged, I came to hold these
    /// batches; I have had your summaries up to this number." Replaces the
    /// full `summary` on every round (docs/protocol.md, "Delta summaries");
    /// its `added` is also the lazy announcement of the broadcast tree.
    case summaryDelta(SummaryDelta)
    /// Broadcast tree: "a batch you pushed reached me twice; stop pushing
    /// new batches to me, announce them" (the link becomes lazy both ways).
    case prune
    /// Broadcast tree: "send me these batches, and push new ones to me from
    /// now on" (the link becomes eager both ways): a fetch after a lazy
    /// announcement was not followed by the batch in time.
    case graft(wanted: BatchVector)
}

/// One collection's count and digest of all its records, and its causal
/// context: a receiver whose records are equal joins the context, which is
/// then exactly the join of the two states.
public struct CollectionDigest: Hashable, Sendable {
    public var collection: String
    public var count: UInt64
    public var digest: UInt64
    public var context: CausalContext

    public init(collection: String, count: UInt64, digest: UInt64, context: CausalContext = CausalContext()) {
        self.collection = collection
        self.count = count
        self.digest = digest
        self.context = context
    }
}

/// A chunk of records sent during reconciliation (or as a snapshot to a new
/// node), signed by its sender: every record the sender holds in a range of
/// leaf buckets, so the receiver can also remove, in that range only, what
/// the sender's context shows it removed.
public struct RecordsChunk: Hashable, Sendable {
    public var collection: String
    /// The leaf buckets covered, completely.
    public var leaves: ClosedRange<UInt16>
    public var payload: [UInt8]
    public var isReply: Bool
    public var signature: [UInt8]

    public init(collection: String, leaves: ClosedRange<UInt16>, payload: [UInt8], isReply: Bool, signature: [UInt8] = []) {
        self.collection = collection
        self.leaves = leaves
        self.payload = payload
        self.isReply = isReply
        self.signature = signature
    }

    /// The bytes the sender signs: a domain tag and every field but the signature.
    public var signingBytes: [UInt8] {
        var writer = ByteWriter(capacity: payload.count + 64)
        writer.writeRaw(Array("tandem-records-v1".utf8))
        writer.writeRecordsChunkFields(self)
        return writer.bytes
    }
}

extension SyncMessage {
    /// Whether `bytes` start like a `batches` message (header and tag; the
    /// rest unchecked): lets a shell group such messages before decoding.
    package static func looksLikeBatches(_ bytes: [UInt8]) -> Bool {
        bytes.count > 6 && bytes[0..<4].elementsEqual(CanonicalFormat.magic) && bytes[4] == CanonicalFormat.version
            && bytes[5] == CanonicalFormat.Kind.syncMessage.rawValue && bytes[6] == Tag.batches.rawValue
    }

    /// The most bytes a `batches` message takes besides its batches: header,
    /// tag and batch count.
    public static let batchesMessageOverhead = 17

    /// The most bytes one batch of `collection` with a payload of
    /// `payloadBytes` takes inside a `batches` message (origin, varints,
    /// collection name, payload and a 64-byte signature).
    public static func encodedSizeBound(collection: String, payloadBytes: Int) -> Int {
        NodeID.byteCount + 10 + 10 + collection.utf8.count + 10 + payloadBytes + 1 + 64
    }

    /// Splits `batches` into consecutive groups of at most `maxCount`
    /// batches whose `batches` message is at most `maxBytes` (a batch too
    /// large for any message travels alone).
    public static func groupBatches(_ batches: [DeltaBatch], maxCount: Int, maxBytes: Int) -> [ArraySlice<DeltaBatch>] {
        var groups: [ArraySlice<DeltaBatch>] = []
        var start = 0
        var bytes = batchesMessageOverhead
        for (index, batch) in batches.enumerated() {
            let size = encodedSizeBound(collection: batch.collection, payloadBytes: batch.payload.count)
            if index > start && (index - start >= max(maxCount, 1) || bytes + size > maxBytes) {
                groups.append(batches[start..<index])
                start = index
                bytes = batchesMessageOverhead
            }
            bytes += size
        }
        if start < batches.count { groups.append(batches[start...]) }
        return groups
    }

    enum Tag: UInt8 {
        case summary = 1
        case batches = 2
        case stateDigest = 3
        case bucketDigests = 4
        case records = 5
        case parityRequest = 6
        case parityReply = 7
        case summaryDelta = 8
        case prune = 9
        case graft = 10
    }

    /// The message's canonical bytes: header (magic, version, kind 16), a
    /// tag byte, then the fields.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 256)
        writer.writeRaw(CanonicalFormat.magic)
        writer.writeByte(CanonicalFormat.version)
        writer.writeByte(CanonicalFormat.Kind.syncMessage.rawValue)
        switch self {
        case .summary(let held, let compacted, let neighbors):
            writer.writeByte(Tag.summary.rawValue)
            writer.writeVector(held.held)
            writer.writeVector(compacted.held)
            let sorted = Array(Set(neighbors)).sorted()
            writer.writeVarint(sorted.count)
            for neighbor in sorted { writer.writeRaw(neighbor.bytes) }
        case .batches(let batches):
            writer.writeByte(Tag.batches.rawValue)
            writer.writeVarint(batches.count)
            for batch in batches {
                writer.writeRaw(batch.origin.bytes)
                writer.writeVarint(batch.sequence)
                writer.writeString(batch.collection)
                writer.writeLengthPrefixed(batch.payload)
                writer.writeLengthPrefixed(batch.signature)
            }
        case .stateDigest(let held, let collections):
            writer.writeByte(Tag.stateDigest.rawValue)
            writer.writeVector(held.held)
            writer.writeVarint(collections.count)
            for collection in collections {
                writer.writeString(collection.collection)
                writer.writeVarint(collection.count)
                writer.writeFixed64(collection.digest)
                writer.writeVector(collection.context)
            }
        case .bucketDigests(let collection, let level, let buckets):
            writer.writeByte(Tag.bucketDigests.rawValue)
            writer.writeString(collection)
            writer.writeByte(level)
            writer.writeVarint(buckets.count)
            for bucket in buckets {
                writer.writeVarint(UInt64(bucket.prefix))
                writer.writeVarint(bucket.count)
                writer.writeFixed64(bucket.digest)
            }
        case .records(let chunk):
            writer.writeByte(Tag.records.rawValue)
            writer.writeRecordsChunkFields(chunk)
            writer.writeLengthPrefixed(chunk.signature)
        case .parityRequest(let check, let held, let collections):
            writer.writeByte(Tag.parityRequest.rawValue)
            writer.writeVarint(check)
            writer.writeVector(held.held)
            writer.writeRoots(collections)
        case .parityReply(let check, let held, let collections, let repaired, let drilling):
            writer.writeByte(Tag.parityReply.rawValue)
            writer.writeVarint(check)
            writer.writeVector(held.held)
            writer.writeRoots(collections)
            writer.writeVarint(repaired)
            writer.writeByte(drilling ? 1 : 0)
        case .summaryDelta(let delta):
            writer.writeByte(Tag.summaryDelta.rawValue)
            writer.writeVarint(delta.number)
            writer.writeVarint(delta.acknowledging)
            writer.writePrefixedVector(delta.added.held)
            if let neighbors = delta.neighbors {
                writer.writeByte(1)
                let sorted = Array(Set(neighbors)).sorted()
                writer.writeVarint(sorted.count)
                for neighbor in sorted { writer.writeRaw(neighbor.bytes) }
            } else {
                writer.writeByte(0)
            }
        case .prune:
            writer.writeByte(Tag.prune.rawValue)
        case .graft(let wanted):
            writer.writeByte(Tag.graft.rawValue)
            writer.writeVector(wanted.held)
        }
        return writer.bytes
    }

    /// Decodes a message; `origins` resolves the origin prefixes of a
    /// delta summary (entries it does not resolve are left out).
    ///
    /// - Throws: `DecodingError` (with the byte offset) for anything
    ///   malformed, truncated or over `limits`.
    public init(decoding bytes: [UInt8], limits: Limits = .default, origins: OriginPrefixes = OriginPrefixes()) throws(DecodingError) {
        var reader = ByteReader(bytes)
        try reader.readHeader(expecting: .syncMessage, limits: limits)
        let tagOffset = reader.offset
        let tagByte = try reader.readByte()
        guard let tag = Tag(rawValue: tagByte) else {
            throw DecodingError(offset: tagOffset, reason: .unknownValueTag(tagByte))
        }
        switch tag {
        case .summary:
            let held = try reader.readVector()
            let compacted = try reader.readVector()
            let neighbors = try reader.readNeighbors()
            self = .summary(held: BatchVector(held: held), compacted: BatchVector(held: compacted), neighbors: neighbors)
        case .batches:
            let count = try reader.readCount(minimumItemBytes: NodeID.byteCount + 4)
            var batches: [DeltaBatch] = []
            batches.reserveCapacity(count)
            for _ in 0..<count {
                let start = reader.offset
                let origin = try reader.readNodeID()
                let sequence = try reader.readVarint()
                if sequence == 0 { throw DecodingError(offset: start, reason: .notCanonical("batch sequence 0")) }
                let collection = try reader.readString(limit: limits.maxIdentifierBytes)
                let payload = Array(try reader.readLengthPrefixed(limit: limits.maxEncodedBytes))
                let signature = Array(try reader.readLengthPrefixed(limit: 1024))
                batches.append(DeltaBatch(origin: origin, sequence: sequence, collection: collection, payload: payload, signature: signature))
            }
            self = .batches(batches)
        case .stateDigest:
            let held = try reader.readVector()
            let count = try reader.readCount(minimumItemBytes: 10)
            var collections: [CollectionDigest] = []
            collections.reserveCapacity(count)
            for _ in 0..<count {
                let name = try reader.readString(limit: limits.maxIdentifierBytes)
                let count = try reader.readVarint()
                let digest = try reader.readFixed64()
                collections.append(CollectionDigest(collection: name, count: count, digest: digest, context: try reader.readVector()))
            }
            self = .stateDigest(held: BatchVector(held: held), collections: collections)
        case .bucketDigests:
            let collection = try reader.readString(limit: limits.maxIdentifierBytes)
            let level = try reader.readLevel()
            let count = try reader.readCount(minimumItemBytes: 10)
            var buckets: [DigestReconciliation.BucketDigest] = []
            buckets.reserveCapacity(count)
            for _ in 0..<count {
                let prefix = try reader.readPrefix(level: level)
                buckets.append(.init(prefix: prefix, count: try reader.readVarint(), digest: try reader.readFixed64()))
            }
            self = .bucketDigests(collection: collection, level: level, buckets: buckets)
        case .records:
            let collection = try reader.readString(limit: limits.maxIdentifierBytes)
            let first = try reader.readPrefix(level: UInt8(DigestReconciliation.maxLevel))
            let last = try reader.readPrefix(level: UInt8(DigestReconciliation.maxLevel))
            guard first <= last else { throw reader.error(.notCanonical("leaf range \(first)...\(last) is empty")) }
            let payload = Array(try reader.readLengthPrefixed(limit: limits.maxEncodedBytes))
            let flags = try reader.readByte()
            guard flags < 2 else { throw reader.error(.notCanonical("unknown records flags \(flags)")) }
            let signature = Array(try reader.readLengthPrefixed(limit: 1024))
            self = .records(RecordsChunk(
                collection: collection, leaves: UInt16(first)...UInt16(last), payload: payload,
                isReply: flags == 1, signature: signature))
        case .parityRequest:
            let check = try reader.readVarint()
            let held = try reader.readVector()
            self = .parityRequest(check: check, held: BatchVector(held: held), collections: try reader.readRoots(limits: limits))
        case .parityReply:
            let check = try reader.readVarint()
            let held = try reader.readVector()
            let collections = try reader.readRoots(limits: limits)
            let repaired = try reader.readVarint()
            let flags = try reader.readByte()
            guard flags < 2 else { throw reader.error(.notCanonical("unknown parity reply flags \(flags)")) }
            self = .parityReply(check: check, held: BatchVector(held: held), collections: collections,
                                repaired: repaired, drilling: flags == 1)
        case .summaryDelta:
            let number = try reader.readVarint()
            let acknowledging = try reader.readVarint()
            let (added, entries) = try reader.readPrefixedVector(origins: origins)
            let flags = try reader.readByte()
            guard flags < 2 else { throw reader.error(.notCanonical("unknown summary delta flags \(flags)")) }
            let neighbors = flags == 1 ? try reader.readNeighbors() : nil
            if number == 0 && (entries > 0 || neighbors != nil) {
                throw reader.error(.notCanonical("a bare acknowledgement (number 0) carries batches or neighbours"))
            }
            self = .summaryDelta(SummaryDelta(number: number, acknowledging: acknowledging, added: added, neighbors: neighbors))
        case .prune:
            self = .prune
        case .graft:
            self = .graft(wanted: BatchVector(held: try reader.readVector()))
        }
        try reader.expectEnd()
    }
}

extension ByteWriter {
    /// A vector: like a causal context without the table index.
    mutating func writeVector(_ context: CausalContext) {
        writeContext(context, table: NodeTable(context))
    }

    /// A vector naming each origin by the first 8 bytes of its id
    /// (`OriginPrefixes`), in increasing order; origins sharing a prefix
    /// are left out (the receiver could not tell them apart).
    mutating func writePrefixedVector(_ context: CausalContext) {
        var byPrefix: [UInt64: [NodeID]] = [:]
        for origin in context.nodes.keys { byPrefix[OriginPrefixes.prefix(of: origin), default: []].append(origin) }
        let entries = byPrefix.filter { $0.value.count == 1 }.sorted { $0.key < $1.key }
        writeVarint(entries.count)
        for (prefix, origins) in entries {
            guard let dots = context.nodes[origins[0]] else { continue }
            writeFixed64(prefix)
            writeNodeDots(dots)
        }
    }
}

extension ByteReader {
    mutating func readVector() throws(DecodingError) -> CausalContext {
        try readContext().0
    }

    /// Reads a vector written by `writePrefixedVector`: entries whose
    /// prefix `origins` does not resolve are left out; the count of
    /// entries read is returned with it.
    mutating func readPrefixedVector(origins: OriginPrefixes) throws(DecodingError) -> (BatchVector, entries: Int) {
        let count = try readCount(minimumItemBytes: 10)
        var vector = CausalContext()
        var previous: UInt64?
        for _ in 0..<count {
            let start = offset
            let prefix = try readFixed64()
            if let previous, !(previous < prefix) {
                throw DecodingError(offset: start, reason: .notCanonical("summary origin prefixes not strictly increasing"))
            }
            previous = prefix
            let dots = try readNodeDots(start: start)
            if let origin = origins.resolve(prefix) { vector.set(dots, for: origin) }
        }
        return (BatchVector(held: vector), count)
    }

    mutating func readLevel() throws(DecodingError) -> UInt8 {
        let start = offset
        let level = try readByte()
        guard level >= 1, Int(level) <= DigestReconciliation.maxLevel else {
            throw DecodingError(offset: start, reason: .indexOutOfRange(Int(level)))
        }
        return level
    }

    mutating func readPrefix(level: UInt8) throws(DecodingError) -> UInt32 {
        let start = offset
        let raw = try readVarint()
        guard raw < (1 << (4 * UInt64(level))) else {
            throw DecodingError(offset: start, reason: .indexOutOfRange(Int(clamping: raw)))
        }
        return UInt32(raw)
    }
}

extension ByteWriter {
    mutating func writeRecordsChunkFields(_ chunk: RecordsChunk) {
        writeString(chunk.collection)
        writeVarint(UInt64(chunk.leaves.lowerBound))
        writeVarint(UInt64(chunk.leaves.upperBound))
        writeLengthPrefixed(chunk.payload)
        writeByte(chunk.isReply ? 1 : 0)
    }
}

extension ByteReader {
    /// Reads a count and that many node ids, strictly increasing.
    mutating func readNeighbors() throws(DecodingError) -> [NodeID] {
        let count = try readCount(minimumItemBytes: NodeID.byteCount)
        var neighbors: [NodeID] = []
        neighbors.reserveCapacity(count)
        for _ in 0..<count {
            let start = offset
            let neighbor = try readNodeID()
            if let last = neighbors.last, !(last < neighbor) {
                throw DecodingError(offset: start, reason: .notCanonical("neighbours not strictly increasing"))
            }
            neighbors.append(neighbor)
        }
        return neighbors
    }

    /// Reads a 32-byte node id; fewer bytes left is `.truncated` at its start.
    mutating func readNodeID() throws(DecodingError) -> NodeID {
        let start = offset
        do { return try NodeID(bytes: try readRaw(count: NodeID.byteCount)) } catch {
            throw DecodingError(offset: start, reason: .truncated)
        }
    }
}
