import PropertyBased
import TandemPropertySupport
import TandemCore

/// The types with a canonical binary encoding, so the coding and decoder
/// fuzz tests run the same checks over each.
protocol CanonicalCoding: Lattice {
    func encoded() -> [UInt8]
    init(decoding bytes: [UInt8], limits: Limits) throws(DecodingError)
    /// The payload kind in the header.
    static var kind: CanonicalFormat.Kind { get }
    /// Arbitrary well-formed states (see `Arbitrary`).
    static var arbitrary: Generator<Self, AnySequence<Any>> { get }
}

extension RecordCollection: CanonicalCoding {
    static var kind: CanonicalFormat.Kind { .recordCollection }
}

extension LWWRegister: CanonicalCoding {
    static var kind: CanonicalFormat.Kind { .lwwRegister }
}

extension AWORSet: CanonicalCoding {
    static var kind: CanonicalFormat.Kind { .aworSet }
}

extension CanonicalCoding {
    /// Decodes with the default limits.
    static func decode(_ bytes: [UInt8]) throws(DecodingError) -> Self {
        try Self(decoding: bytes, limits: .default)
    }

    /// The header every payload of this kind starts with.
    static var header: [UInt8] { CanonicalFormat.magic + [CanonicalFormat.version, kind.rawValue] }
}

extension CanonicalCoding where Self: ScriptedCRDT {
    /// Valid encodings drawn deterministically from `seed`: the joined
    /// state and one delta of each of `count` replays, and `count`
    /// arbitrary states.
    static func sampleEncodings(count: Int, seed: UInt64, steps: ClosedRange<Int> = 1...25) -> [[UInt8]] {
        var random = SeededRandom.xoshiro(seed)
        let replays = Self.replays(steps: steps)
        var samples: [[UInt8]] = [Self().encoded()]
        for _ in 0..<count {
            let replay = replays.run(using: &random)
            samples.append(replay.joinOfStates.encoded())
            if let delta = replay.deltas.randomElement(using: &random) { samples.append(delta.encoded()) }
            samples.append(arbitrary.run(using: &random).encoded())
        }
        return samples
    }
}
