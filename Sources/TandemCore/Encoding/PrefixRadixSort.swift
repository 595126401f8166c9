/// A 16-byte big-endian prefix of a record id and where the id is held.
struct PrefixKey {
    var high: UInt64
    var low: UInt64
    var position: Int
}

extension Array where Element == PrefixKey {
    /// Sorts by `(high, low)`, stably, with a least-significant-digit radix
    /// sort over the 16 bytes: two passes over the keys per byte, and none
    /// for a byte every key shares (ids with a common prefix such as
    /// `record-` cost nothing for it). Short arrays use the standard sort.
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
        var counts = [Int](repeating: 0, count: 256)
        withUnsafeMutableBufferPointer { keys in
            scratch.withUnsafeMutableBufferPointer { other in
                counts.withUnsafeMutableBufferPointer { counts in
                    for digit in 0..<16 {
                        let shift = UInt64(digit % 8 * 8)
                        let fromHigh = digit >= 8
                        let source = sortedInScratch ? other : keys
                        let target = sortedInScratch ? keys : other
                        for bucket in 0..<256 { counts[bucket] = 0 }
                        for key in source {
                            counts[Int(truncatingIfNeeded: (fromHigh ? key.high : key.low) >> shift) & 0xFF] += 1
                        }
                        if counts.contains(count) { continue }
                        var offset = 0
                        for bucket in 0..<256 {
                            let held = counts[bucket]
                            counts[bucket] = offset
                            offset += held
                        }
                        for key in source {
                            let bucket = Int(truncatingIfNeeded: (fromHigh ? key.high : key.low) >> shift) & 0xFF
                            target[counts[bucket]] = key
                            counts[bucket] += 1
                        }
                        sortedInScratch.toggle()
                    }
                }
            }
        }
        if sortedInScratch { self = scratch }
    }
}
