import BenchmarkSupport
import TandemCore

/// The node ids the benchmarks write as.
enum BenchNodes {
    static let a = NodeID(words: 0xA, 0, 0, 1)
    static let b = NodeID(words: 0xB, 0, 0, 2)
    static let c = NodeID(words: 0xC, 0, 0, 3)
}

/// Makes `records * fieldsPerRecord` field writes on a fresh replica as
/// `node`, and returns the replica and the one delta holding all of them.
func writeWorkload(
    node: NodeID, records: Int, fieldsPerRecord: Int, startMillis: UInt64, seed: UInt64
) -> (replica: RecordCollection, delta: RecordCollection) {
    var rng = SeededGenerator(seed: seed)
    var clock = HybridLogicalClock()
    var replica = RecordCollection()
    var delta = RecordCollection()
    let names = (0..<fieldsPerRecord).map { "field\($0)" }
    for record in 0..<records {
        let fields = names.map { ($0, Value.string(randomWord(&rng))) }
        let timestamp = clock.tick(now: startMillis + UInt64(record / 100))
        do {
            let change = try replica.update("record-\(record)", fields: fields, by: node, at: timestamp)
            delta.join(change)
        } catch {
            fatalError("benchmark workload rejected: \(error)")
        }
    }
    return (replica, delta)
}
