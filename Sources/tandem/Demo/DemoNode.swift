import TandemCore
import TandemCrypto

/// A delta as the demo ships it: canonical bytes signed by their origin.
struct DemoSignedDelta {
    var origin: NodeID
    var bytes: [UInt8]
    var signature: [UInt8]
}

/// Why the demo refused a delta.
enum DemoRejection: Error, CustomStringConvertible {
    case badSignature(origin: NodeID)
    case malformed(DecodingError)

    var description: String {
        switch self {
        case .badSignature(let origin): "signature does not verify against origin \(origin)"
        case .malformed(let error): "\(error)"
        }
    }
}

/// One in-process replica for the demo: a key pair, a hybrid clock, a
/// collection and the drift hold, driven with the demo's virtual time.
/// (The real node, with storage and TCP, arrives with later issues.)
struct DemoNode {
    let name: String
    let keys: NodeKeyPair
    var clock = HybridLogicalClock()
    var replica = RecordCollection()
    var hold = DriftHold<RecordCollection>()
    /// Milliseconds this node's wall clock runs ahead of true time.
    var skewMillis: UInt64 = 0

    init(name: String, seedByte: UInt8) throws {
        self.name = name
        keys = try NodeKeyPair(seed: [UInt8](repeating: seedByte, count: NodeKeyPair.seedByteCount))
    }

    var id: NodeID { keys.nodeID }

    /// Writes fields of a record and returns the signed delta.
    mutating func write(_ record: String, _ fields: [(String, Value)], at now: UInt64) throws -> DemoSignedDelta {
        let timestamp = clock.tick(now: now + skewMillis)
        return sign(try replica.update(record, fields: fields, by: id, at: timestamp))
    }

    mutating func delete(_ record: String) -> DemoSignedDelta { sign(replica.delete(record)) }

    mutating func addTag(_ tag: String, to record: String) throws -> DemoSignedDelta {
        sign(try replica.add(.string(tag), toSet: "tags", in: record, by: id))
    }

    mutating func removeTag(_ tag: String, from record: String) -> DemoSignedDelta {
        sign(replica.remove(.string(tag), fromSet: "tags", in: record))
    }

    func sign(_ delta: RecordCollection) -> DemoSignedDelta {
        let bytes = delta.encoded()
        return DemoSignedDelta(origin: id, bytes: bytes, signature: keys.sign(bytes))
    }

    /// Verifies, decodes and joins a delta, or holds it when its timestamps
    /// are too far ahead of this node's wall time.
    mutating func receive(_ signed: DemoSignedDelta, at now: UInt64) throws(DemoRejection) -> DriftHold<RecordCollection>.Admission {
        guard SignatureVerifier.verify(signature: signed.signature, message: signed.bytes, signer: signed.origin) else {
            throw .badSignature(origin: signed.origin)
        }
        let delta: RecordCollection
        do { delta = try RecordCollection(decoding: signed.bytes) } catch { throw .malformed(error) }
        let wall = now + skewMillis
        let admission = delta.maxTimestamp.map { hold.admit(delta, timestamp: $0, clock: clock, now: wall) } ?? .accepted
        if case .accepted = admission { apply(delta, wall: wall) }
        return admission
    }

    /// Applies held deltas that are now within the drift bound.
    mutating func releaseHeld(at now: UInt64) -> Int {
        let wall = now + skewMillis
        let ready = hold.releaseReady(clock: clock, now: wall)
        for delta in ready { apply(delta, wall: wall) }
        return ready.count
    }

    private mutating func apply(_ delta: RecordCollection, wall: UInt64) {
        if let newest = delta.maxTimestamp {
            // Within the bound by construction: `admit` or `releaseReady` checked it.
            try? clock.receive(newest, now: wall)
        }
        replica.join(delta)
    }
}
