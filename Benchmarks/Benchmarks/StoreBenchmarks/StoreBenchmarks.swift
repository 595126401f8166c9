import Benchmark
import Foundation
import TandemCore
import TandemStore

// The SQLite store applying local changes per transaction size
// (`swift package benchmark --target StoreBenchmarks` in Benchmarks/): one
// commit of N records x 10 fields, with its signed delta-log entry, into a
// store under a temporary directory.

private let node = NodeID(words: 0xA, 0, 0, 1)

private func wallMillis() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput], maxDuration: .seconds(5), maxIterations: 200)

    for records in [1, 10, 100, 1_000] {
        Benchmark("SQLite store apply, \(records) records x 10 fields per transaction") { benchmark in
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("tandem-store-benchmark-\(records)-\(UInt64.random(in: 0..<UInt64.max))").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            do {
                let store = try SQLiteStore(directory: directory, node: node, now: wallMillis())
                var clock = HybridLogicalClock()
                var next = 0
                let value = Value.string("a value of about twenty")
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    let ids = (next..<(next + records)).map { "customer-\($0)" }
                    next += records
                    var working = try store.workingSet("customers", records: ids)
                    var delta = RecordCollection()
                    for id in ids {
                        let fields = (0..<10).map { ("field\($0)", value) }
                        delta.join(try working.update(id, fields: fields, by: node, at: clock.tick(now: wallMillis())))
                    }
                    blackHole(try store.commitLocal(
                        LocalChange(collection: "customers", delta: delta, clock: clock.latest),
                        sign: { _ in [UInt8](repeating: 0, count: 64) }, now: wallMillis()))
                }
                benchmark.stopMeasurement()
                try store.close()
            } catch {
                fatalError("store benchmark failed: \(error)")
            }
        }
    }
}
