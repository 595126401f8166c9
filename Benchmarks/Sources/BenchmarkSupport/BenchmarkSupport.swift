import Foundation

// What every Tandem benchmark executable shares: timing, summaries of
// repeated runs, and a seeded generator so every run uses the same data.

/// Nanoseconds on the monotonic clock.
public func monotonicNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Runs `body` `runs` times after one warm-up and returns the seconds of
/// each run, measured with the monotonic clock.
public func measure(runs: Int, _ body: () -> Void) -> [Double] {
    body()
    var seconds: [Double] = []
    for _ in 0..<runs {
        let start = monotonicNanos()
        body()
        seconds.append(Double(monotonicNanos() - start) / 1e9)
    }
    return seconds
}

/// The median, minimum and maximum of a sample.
public struct Summary: CustomStringConvertible {
    public var median: Double
    public var min: Double
    public var max: Double

    public init(_ sample: [Double]) {
        let sorted = sample.sorted()
        let middle = sorted.count / 2
        median = sorted.isEmpty ? 0 : sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        min = sorted.first ?? 0
        max = sorted.last ?? 0
    }

    /// "median [min-max]" with `format` applied to each.
    public func formatted(_ format: String) -> String {
        "\(String(format: format, median)) [\(String(format: format, min))-\(String(format: format, max))]"
    }

    public var description: String { formatted("%.0f") }
}

/// The value at quantile `q` (0...1) of a sorted sample (nearest rank).
public func quantile(_ sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((q * Double(sorted.count)).rounded(.up))
    return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
}

/// A small, seeded generator (SplitMix64) so every run builds the same data.
public struct SeededGenerator: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A string of 8 to 32 random lowercase letters (`Int.random` and
/// `UInt8.random` over `rng`).
public func randomWord(_ rng: inout SeededGenerator) -> String {
    let count = Int.random(in: 8...32, using: &rng)
    var scalars = String.UnicodeScalarView()
    for _ in 0..<count { scalars.append(Unicode.Scalar(UInt8.random(in: 97...122, using: &rng))) }
    return String(scalars)
}

/// A value of the side-by-side workload, drawn exactly as
/// Benchmarks/Peers/workload.py draws it from the same SplitMix64 stream:
/// `8 + next % 25` letters, each `97 + next % 26`.
public func peerWorkloadText(_ rng: inout SeededGenerator) -> String {
    let length = 8 + Int(rng.next() % 25)
    var scalars = String.UnicodeScalarView()
    for _ in 0..<length { scalars.append(Unicode.Scalar(UInt8(97 + rng.next() % 26))) }
    return String(scalars)
}

/// Resident and peak resident memory of this process, in MiB, from
/// /proc/self/status (VmRSS, VmHWM); zeros where /proc is missing.
public func memoryMiB() -> (rss: Double, peak: Double) {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
    func field(_ name: String) -> Double {
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
        }
        return 0
    }
    return (field("VmRSS:"), field("VmHWM:"))
}
