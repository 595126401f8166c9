/// The unit of replication: one delta of one collection, made by one origin
/// node, numbered by that origin, and signed by it.
///
/// An origin numbers its batches 1, 2, 3, … (its *sequence*). Every node
/// keeps a `BatchVector` of the batches it holds, so peers can tell exactly
/// which batches the other lacks. A batch travels intact: forwarded batches
/// keep their origin's signature over `signingBytes`, so every node can check
/// who wrote every change, however many hops it took.
public struct DeltaBatch: Hashable, Sendable, CustomStringConvertible {
    /// The node that made the changes and signed the batch.
    public var origin: NodeID
    /// The origin's number for this batch, from 1.
    public var sequence: UInt64
    /// The collection the delta belongs to.
    public var collection: String
    /// The delta's canonical bytes (`RecordCollection.encoded()`).
    public var payload: [UInt8]
    /// The origin's Ed25519 signature over `signingBytes` (64 bytes).
    public var signature: [UInt8]

    public init(origin: NodeID, sequence: UInt64, collection: String, payload: [UInt8], signature: [UInt8] = []) {
        self.origin = origin
        self.sequence = sequence
        self.collection = collection
        self.payload = payload
        self.signature = signature
    }

    /// The batch's identity: (origin, sequence) as a dot.
    public var id: Dot { Dot(node: origin, counter: sequence) }

    /// The bytes the origin signs: a domain tag, the origin, the sequence,
    /// the collection and the payload. The domain tag keeps a signature made
    /// for a batch from being valid for any other kind of message.
    public var signingBytes: [UInt8] {
        var writer = ByteWriter(capacity: payload.count + 96)
        writer.writeRaw(Array("tandem-batch-v1".utf8))
        writer.writeRaw(origin.bytes)
        writer.writeVarint(sequence)
        writer.writeString(collection)
        writer.writeLengthPrefixed(payload)
        return writer.bytes
    }

    /// Decodes the payload and checks it is a delta this origin could have
    /// made: every entry it adds carries a dot of the origin (a node cannot
    /// write in another node's name), and its causal context claims no
    /// counter beyond `limits.maxClaimedCounter`, within `limits`. What the
    /// context may claim of other nodes depends on what the receiver holds:
    /// `ContextClaims` checks that when the batch is applied.
    ///
    /// - Throws: `BatchError` naming the problem.
    public func delta(limits: Limits = .default) throws(BatchError) -> RecordCollection {
        let delta: RecordCollection
        do {
            delta = try RecordCollection(decoding: payload, limits: limits)
        } catch {
            throw BatchError.malformedPayload(error)
        }
        for store in delta.records.values {
            var foreign: Dot?
            store.forEachDot { dot in if dot.node != origin && foreign == nil { foreign = dot } }
            if let foreign { throw BatchError.foreignDot(foreign) }
        }
        if let dot = ContextClaims.claimBeyond(limits.maxClaimedCounter, in: delta.context) {
            throw BatchError.claimBeyondLimit(dot, limit: limits.maxClaimedCounter)
        }
        return delta
    }

    public var description: String { "batch \(origin):\(sequence) of \(collection) (\(payload.count) bytes)" }
}

/// Why a batch's payload was refused.
public enum BatchError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The payload is not a canonical delta.
    case malformedPayload(DecodingError)
    /// The payload adds an entry under another node's dot.
    case foreignDot(Dot)
    /// The payload's causal context claims a counter beyond
    /// `Limits.maxClaimedCounter` (it would use up a node's counters).
    case claimBeyondLimit(Dot, limit: UInt64)

    public var description: String {
        switch self {
        case .malformedPayload(let error): "batch payload: \(error)"
        case .foreignDot(let dot): "batch adds an entry under dot \(dot), which is not its origin's"
        case .claimBeyondLimit(let dot, let limit):
            "batch context claims dot \(dot), beyond the highest counter a batch may claim (\(limit))"
        }
    }
}
