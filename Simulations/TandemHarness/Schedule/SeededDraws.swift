import TandemTestSupport

/// Draws from a `SplitMix64` by the harness's own arithmetic (not the
/// standard library's `random(in:using:)`, whose algorithm may change), so
/// a seed gives the same schedule on every toolchain.
extension SplitMix64 {
    /// An integer in `range` (modulo bias is irrelevant here).
    mutating func draw(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next() % width)
    }

    /// True with probability `percent` / 100.
    mutating func chance(_ percent: Int) -> Bool {
        draw(0...99) < percent
    }

    /// One element of a non-empty array.
    mutating func pick<T>(_ items: [T]) -> T {
        items[draw(0...(items.count - 1))]
    }

    /// `count` distinct elements of `items` (all of them if fewer).
    mutating func pick<T>(_ count: Int, of items: [T]) -> [T] {
        var pool = items
        var chosen: [T] = []
        while chosen.count < count && !pool.isEmpty {
            chosen.append(pool.remove(at: draw(0...(pool.count - 1))))
        }
        return chosen
    }
}
