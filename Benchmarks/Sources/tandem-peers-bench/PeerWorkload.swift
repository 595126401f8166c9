import BenchmarkSupport
import TandemCore

/// The side-by-side workload, generated exactly as Benchmarks/Peers/workload.py
/// generates it for loro and pycrdt: the same SplitMix64 stream, lengths
/// `8 + next % 25`, letters `97 + next % 26`. `checksum` (FNV-1a over every
/// id, name and value, in order) lets the driver check all three systems
/// wrote the same bytes.
enum PeerWorkload {
    static let records = 10_000
    static let fields = 10
    static let concurrentA = 0..<5_000
    static let concurrentB = 2_500..<7_500
    static let fieldNames = (0..<fields).map { "field\($0)" }

    /// One record's writes: its id and its (field, value) pairs.
    struct RecordWrites {
        var id: String
        var fields: [(String, Value)]
        var texts: [String]
    }

    static func writes(_ range: Range<Int>, seed: UInt64) -> [RecordWrites] {
        var rng = SeededGenerator(seed: seed)
        return range.map { index in
            let texts = fieldNames.map { _ in peerWorkloadText(&rng) }
            return RecordWrites(
                id: "record-\(index)",
                fields: zip(fieldNames, texts).map { ($0, Value.string($1)) },
                texts: texts)
        }
    }

    static func checksum(_ batches: [[RecordWrites]]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
        for batch in batches {
            for record in batch {
                mix(record.id)
                for (name, text) in zip(fieldNames, record.texts) {
                    mix(name)
                    mix(text)
                }
            }
        }
        return hash
    }
}

