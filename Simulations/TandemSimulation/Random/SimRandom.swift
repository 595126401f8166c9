/// The simulator's only source of randomness: xoshiro256** (Blackman and
/// Vigna, 2018) seeded through SplitMix64, with its own bounded-integer and
/// probability helpers.
///
/// Everything random in a run (topology, workload, faults, message fates,
/// attack bytes) is drawn from generators derived from the run's seed, so a
/// seed replays the run exactly. The helpers do not use the standard
/// library's `random(in:using:)`, whose algorithm may change between Swift
/// releases: a seed means the same run on every toolchain.
public struct SimRandom: Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator for `seed`.
    public init(seed: UInt64) {
        var mixer = seed
        func splitMix(_ state: inout UInt64) -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&mixer)
        s1 = splitMix(&mixer)
        s2 = splitMix(&mixer)
        s3 = splitMix(&mixer)
    }

    /// A generator for one purpose (`stream`) of the run of `seed`:
    /// independent streams keep, for example, the workload the same when a
    /// fault class is switched off.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) ^ 0x5851_F42D_4C95_7F2D)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A number in `0..<bound` (Lemire's multiply-and-reject); 0 when
    /// `bound` is not positive.
    public mutating func below(_ bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A number in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// A number of milliseconds in `range`.
    public mutating func millis(in range: ClosedRange<UInt64>) -> UInt64 {
        UInt64(int(in: Int(range.lowerBound)...Int(range.upperBound)))
    }

    /// A double in `0..<1` from the top 53 bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool {
        probability > 0 && unit() < probability
    }

    /// A random element (the first one when there is only one); nil for an
    /// empty array.
    public mutating func pick<T>(_ items: [T]) -> T? {
        items.isEmpty ? nil : items[below(items.count)]
    }

    /// `count` distinct indices of `0..<total`, in increasing order.
    public mutating func distinct(_ count: Int, of total: Int) -> [Int] {
        var pool = Array(0..<total)
        var chosen: [Int] = []
        for _ in 0..<min(count, total) {
            chosen.append(pool.remove(at: below(pool.count)))
        }
        return chosen.sorted()
    }

    /// `count` random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next() >> 56) }
    }
}
