import Foundation
import TandemCore
import TandemStore

/// `tandem-store-bench gaps <dir> [batches]`: a store receives a peer's
/// batches one per transaction (as one message each), `batches` of them,
/// in two fresh stores under `<dir>`: first in order (1, 2, 3, …), then
/// only the odd-numbered ones (1, 3, 5, …), so that its held vector gains
/// one range per batch. Prints the mean commit time of the first and of the
/// last 1,000 commits of each run. Each batch writes one field with the
/// peer's next dot, so the collection's causal context stays contiguous and
/// what differs between the runs is the held vector.
func benchGaps(directory: String, count: Int) throws {
    let peer = NodeID(words: 0xB, 0, 0, 1)
    for (name, step) in [("in order", 1), ("odd only", 2)] {
        let path = (directory as NSString).appendingPathComponent(step == 1 ? "ordered" : "odd")
        try? FileManager.default.removeItem(atPath: path)
        let store = try SQLiteStore(directory: path, node: node, now: wallMillis())
        var state = RecordCollection()
        var clock = HybridLogicalClock()
        var times: [Double] = []
        times.reserveCapacity(count)
        for index in 0..<count {
            let sequence = UInt64(index * step + 1)
            let timestamp = clock.tick(now: wallMillis())
            let delta = try state.set("n", to: .int(Int64(sequence)), in: "r\(index % 100)", by: peer, at: timestamp)
            let batch = DeltaBatch(
                origin: peer, sequence: sequence, collection: "c", payload: delta.encoded(),
                signature: [UInt8](repeating: 0, count: 64))
            let start = monotonicSeconds()
            let outcomes = try store.commitRemote([RemoteBatch(batch: batch, delta: delta)], clock: timestamp, now: wallMillis())
            times.append(monotonicSeconds() - start)
            guard case .applied = outcomes.first else {
                print("error: batch \(sequence) was not applied: \(outcomes)")
                exit(1)
            }
        }
        let window = min(1_000, count)
        let first = times.prefix(window).reduce(0, +) / Double(window)
        let last = times.suffix(window).reduce(0, +) / Double(window)
        let ranges = try store.summary().batches.rangeCount
        try store.close()
        print(String(format: "gaps (%@): %d batches in %.2f s; mean commit, first %d: %.3f ms, last %d: %.3f ms; held vector %d ranges",
                     name, count, times.reduce(0, +), window, first * 1e3, window, last * 1e3, ranges))
    }
}
