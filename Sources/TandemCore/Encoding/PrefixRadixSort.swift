/// A 16-byte big-endian prefix of a record id and where the id is held.
struct PrefixKey {
    var high: UInt64
    var low: UInt64
    var position: Int
}

extension Array where Element == PrefixKey {
    /// Sorts by `(high, low)`, stably, with a least-significant-digit radix
    /// sort over the 16 bytes: one pass to count every byte, then one pass
    /// over the keys per byte, none for a byte every key shares (ids with a
    /// common prefix such as `record-`, or shorter than 16 bytes, cost
    /// nothing for those bytes). Short arrays use the standard sort.
    ///
    /// - Complexity: O(16 n).
    mutating func sortByPrefix() {
        let count = self.count
        if count < 256 {
            sort { $0.high != $1.high ? $0.high < $1.high : $0.low < $1.low }
            return
        }
        var scratch = self
        var sortedInScratch = false
        // All sixteen histograms in one pass; digit d counts byte d from
        // the least significant end of (high, low).
        var counts = [Int](repeating: 0, count: 16 * 256)
        withUnsafeMutableBufferPointer { keys in
            scratch.withUnsafeMutableBufferPointer { other in
                counts.withUnsafeMutableBufferPointer { counts in
                    for key in keys {
                        var low = key.low
                        var high = key.high
                        for digit in 0..<8 {
                            counts[digit << 8 | Int(truncatingIfNeeded: low & 0xFF)] += 1
                            counts[(digit + 8) << 8 | Int(truncatingIfNeeded: high & 0xFF)] += 1
                            low >>= 8
                            high >>= 8
                        }
                    }
                    for digit in 0..<16 {
                        let histogram = digit << 8
                        // A byte every key shares leaves the order as it is.
                        var constant = false
                        for bucket in 0..<256 where counts[histogram | bucket] != 0 {
                            constant = counts[histogram | bucket] == count
                            break
                        }
                        if constant { continue }
                        var offset = 0
                        for bucket in 0..<256 {
                            let held = counts[histogram | bucket]
                            counts[histogram | bucket] = offset
                            offset += held
                        }
                        let shift = UInt64(digit % 8 * 8)
                        let fromHigh = digit >= 8
                        let source = sortedInScratch ? other : keys
                        let target = sortedInScratch ? keys : other
                        for key in source {
                            let slot = histogram | Int(truncatingIfNeeded: (fromHigh ? key.high : key.low) >> shift) & 0xFF
                            target[counts[slot]] = key
                            counts[slot] += 1
                        }
                        sortedInScratch.toggle()
                    }
                }
            }
        }
        if sortedInScratch { self = scratch }
    }
}
