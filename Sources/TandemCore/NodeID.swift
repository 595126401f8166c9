/// The identity of a Tandem node: the 32 bytes of its Ed25519 public key.
///
/// Deriving the identity from the public key (rather than assigning it) means
/// any node can verify that a change stamped with a `NodeID` was signed by
/// that node: the identity *is* the verification key. The crypto layer
/// produces `NodeID`s from key pairs; the core only compares and encodes them.
///
/// `NodeID` is totally ordered by its bytes (lexicographically). That order
/// breaks ties between writes carrying equal hybrid-logical-clock timestamps,
/// so every replica picks the same winner.
///
/// Stored as four big-endian 64-bit words so that comparison and hashing cost
/// a handful of instructions on the join hot path.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The number of bytes in a node identity (an Ed25519 public key).
    public static let byteCount = 32

    @usableFromInline var w0: UInt64
    @usableFromInline var w1: UInt64
    @usableFromInline var w2: UInt64
    @usableFromInline var w3: UInt64

    /// Creates an identity from exactly 32 bytes.
    ///
    /// - Throws: `CoreError.invalidNodeID` when `bytes` is not 32 bytes long.
    public init<Bytes: Collection>(bytes: Bytes) throws(CoreError) where Bytes.Element == UInt8 {
        guard bytes.count == NodeID.byteCount else {
            throw CoreError.invalidNodeID(byteCount: bytes.count)
        }
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in bytes.enumerated() {
            words[index / 8] = (words[index / 8] << 8) | UInt64(byte)
        }
        self.init(words: words[0], words[1], words[2], words[3])
    }

    /// Creates an identity from its four big-endian words.
    @inlinable
    public init(words w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// The 32 bytes of the identity, most significant first.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(NodeID.byteCount)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return out
    }

    /// Lowercase hexadecimal of all 32 bytes.
    public var hex: String { Hex.encode(bytes) }

    /// The first 8 bytes in hexadecimal: enough to tell nodes apart in logs.
    public var description: String { String(hex.prefix(16)) }

    @inlinable
    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        if lhs.w0 != rhs.w0 { return lhs.w0 < rhs.w0 }
        if lhs.w1 != rhs.w1 { return lhs.w1 < rhs.w1 }
        if lhs.w2 != rhs.w2 { return lhs.w2 < rhs.w2 }
        return lhs.w3 < rhs.w3
    }
}
