import Foundation

/// Runs `body` `runs` times after one warm-up and returns the seconds of
/// each run, measured with the monotonic clock.
func measure(runs: Int, _ body: () -> Void) -> [Double] {
    body()
    var seconds: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        let end = DispatchTime.now().uptimeNanoseconds
        seconds.append(Double(end - start) / 1e9)
    }
    return seconds
}

/// The median, minimum and maximum of a sample.
struct Summary {
    var median: Double
    var min: Double
    var max: Double

    init(_ sample: [Double]) {
        let sorted = sample.sorted()
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        min = sorted.first ?? 0
        max = sorted.last ?? 0
    }
}

/// A small, seeded generator (SplitMix64) so every run builds the same data.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func formatRate(_ perSecond: Double) -> String {
    String(format: "%.0f", perSecond)
}
