import TandemCore

/// The nodes the store tests use. `local` owns the store under test;
/// `b`, `c` and `d` are origins of remote batches; `p` and `q` are peers
/// that acknowledge batches.
enum Nodes {
    static let local = NodeID(words: 0x1111_1111_1111_1111, 0, 0, 1)
    static let b = NodeID(words: 0x2222_2222_2222_2222, 0, 0, 2)
    static let c = NodeID(words: 0x3333_3333_3333_3333, 0, 0, 3)
    static let d = NodeID(words: 0x4444_4444_4444_4444, 0, 0, 4)
    static let p = NodeID(words: 0x7070_7070_7070_7070, 0, 0, 7)
    static let q = NodeID(words: 0x8080_8080_8080_8080, 0, 0, 8)
}

/// The timestamp `physical.logical`.
func stamp(_ physical: UInt64, _ logical: UInt64 = 0) -> HLCTimestamp {
    HLCTimestamp(rawValue: physical << 16 | logical)
}

/// A stand-in for Ed25519: 64 bytes that depend on every signed byte, so a
/// batch carrying them shows which bytes were signed. The store never
/// verifies signatures.
enum FakeSigner {
    static func sign(_ bytes: [UInt8]) -> [UInt8] {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var out: [UInt8] = []
        for round in 0..<8 {
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
            hash ^= UInt64(round)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: hash >> UInt64(shift))) }
        }
        return out
    }
}
