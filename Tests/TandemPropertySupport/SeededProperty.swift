import Foundation
public import PropertyBased
public import Testing

/// Runs `body` on `count` inputs drawn from `generator`, with the generator
/// driven by a random source seeded from `seed`: every run of the suite sees
/// the same inputs, so a failure reproduces by simply running the test again.
///
/// PropertyBased's own `propertyCheck` seeds every case from the system
/// random source (its only fixed-seed option is a trait that runs one case
/// and always reports an issue), so the generators are used through this
/// runner instead. Set `TANDEM_PROPERTY_SEED=<n>` to explore other inputs.
///
/// `body` should state its properties with `try #require(...)`: the first
/// failure stops the run and is reported with the case number, the seed and
/// the input.
public func forAll<Input>(
    _ generator: Generator<Input, some Sequence>,
    count: Int = 200,
    seed: UInt64,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (Input) throws -> Void
) {
    var random = SeededRandom.xoshiro(seed)
    for index in 0..<count {
        let input = generator.run(using: &random)
        do {
            try body(input)
        } catch {
            let reason = error is ExpectationFailedError ? "the expectation above failed" : "\(error)"
            Issue.record(
                """
                Property failed on case \(index) of seed \(SeededRandom.effectiveSeed(seed)): \(reason)
                input: \(String(describing: input).prefix(6_000))
                """,
                sourceLocation: sourceLocation)
            return
        }
    }
}

/// Deterministic random sources for tests.
public enum SeededRandom {
    /// `seed`, shifted by `TANDEM_PROPERTY_SEED` when that is set.
    public static func effectiveSeed(_ seed: UInt64) -> UInt64 {
        let extra = ProcessInfo.processInfo.environment["TANDEM_PROPERTY_SEED"].flatMap { UInt64($0) } ?? 0
        return seed &+ extra
    }

    /// A xoshiro256** generator seeded from one integer (expanded with SplitMix64).
    public static func xoshiro(_ seed: UInt64) -> Xoshiro {
        var state = effectiveSeed(seed)
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return Xoshiro(seed: (next(), next(), next(), next()))
    }
}
