import BenchmarkSupport
import Foundation
import TandemCore
import TandemStore

// Store benchmarks (release build):
//   tandem-store-bench populate <dir> [records]   build a store of N records x 10 fields
//   tandem-store-bench open <dir>                  open it, read 1,000 random records, report time and memory
//   tandem-store-bench rewrite <dir> [records]     overwrite every field of N existing records (default 10,000)
//   tandem-store-bench gaps <dir> [batches]        commit time of a peer's batches in order and odd-numbered only (default 8,000)
// `make bench-store` runs populate and open, the open step five times in fresh processes.

func wallMillis() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }


let node = NodeID(words: 0xA, 0, 0, 1)
let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: tandem-store-bench populate <dir> [records] | open <dir> | rewrite <dir> [records] | gaps <dir> [batches]")
    exit(2)
}
let directory = arguments[2]

do {
    switch arguments[1] {
    case "populate":
        let total = arguments.count > 3 ? Int(arguments[3]) ?? 1_000_000 : 1_000_000
        let store = try SQLiteStore(directory: directory, node: node, now: wallMillis())
        var clock = HybridLogicalClock(latest: try store.summary().clock)
        let chunk = 1_000
        let start = monotonicSeconds()
        var rng = SystemRandomNumberGenerator()
        for first in stride(from: 0, to: total, by: chunk) {
            let ids = (first..<min(first + chunk, total)).map { "customer-\($0)" }
            var working = try store.workingSet("customers", records: ids)
            var delta = RecordCollection()
            for id in ids {
                let fields = (0..<10).map { ("field\($0)", Value.string(String(repeating: "x", count: Int.random(in: 8...32, using: &rng)))) }
                delta.join(try working.update(id, fields: fields, by: node, at: clock.tick(now: wallMillis())))
            }
            _ = try store.commitLocal(
                LocalChange(collection: "customers", delta: delta, clock: clock.latest),
                sign: { _ in [UInt8](repeating: 0, count: 64) }, now: wallMillis())
            if (first / chunk) % 100 == 99 {
                let elapsed = monotonicSeconds() - start
                print("populate: \(first + chunk) records, \(String(format: "%.0f", Double((first + chunk) * 10) / elapsed)) field writes/s")
            }
        }
        let elapsed = monotonicSeconds() - start
        print("populate: \(total) records x 10 fields in \(String(format: "%.1f", elapsed)) s (\(String(format: "%.0f", Double(total * 10) / elapsed)) field writes/s), peak RSS \(String(format: "%.1f", memoryMiB().peak)) MiB")
    case "open":
        let before = monotonicSeconds()
        let store = try SQLiteStore(directory: directory, node: node, now: wallMillis())
        let summary = try store.summary()
        let opened = monotonicSeconds() - before
        let readStart = monotonicSeconds()
        var found = 0
        var rng = SystemRandomNumberGenerator()
        let count = Int(arguments.count > 3 ? arguments[3] : "") ?? 1_000_000
        for _ in 0..<1_000 {
            if try store.record("customers", "customer-\(Int.random(in: 0..<count, using: &rng))") != nil { found += 1 }
        }
        let readTime = monotonicSeconds() - readStart
        // One commit updating one field of 1,000 random existing records.
        let writeStart = monotonicSeconds()
        let ids = (0..<1_000).map { _ in "customer-\(Int.random(in: 0..<count, using: &rng))" }
        var working = try store.workingSet("customers", records: ids)
        var clock = HybridLogicalClock(latest: summary.clock)
        var delta = RecordCollection()
        for id in Set(ids) {
            delta.join(try working.set("field0", to: .string("updated"), in: id, by: node, at: clock.tick(now: wallMillis())))
        }
        _ = try store.commitLocal(
            LocalChange(collection: "customers", delta: delta, clock: clock.latest),
            sign: { _ in [UInt8](repeating: 0, count: 64) }, now: wallMillis())
        let writeTime = monotonicSeconds() - writeStart
        let memory = memoryMiB()
        print(String(format: "open: %.3f s (summary: %d origins), 1,000 random record reads: %.3f s (%d found), commit of 1,000 random updates: %.3f s, RSS %.1f MiB, peak RSS %.1f MiB",
                     opened, summary.batches.held.nodes.count, readTime, found, writeTime, memory.rss, memory.peak))
    case "rewrite":
        // Store A holds N records x 10 fields, written 1,000 records per
        // commit; store B receives A's batches through `commitRemote`. Then
        // 3 passes overwrite every field of every record, 400 records per
        // commit (what A's group commit makes of 4 calls of 100 in
        // `tandem-sync-bench rewrite`), each batch committed on A (working
        // set, mutators, `commitLocal`) and then on B (`commitRemote`).
        let total = arguments.count > 3 ? Int(arguments[3]) ?? 10_000 : 10_000
        let a = try SQLiteStore(directory: (directory as NSString).appendingPathComponent("a"), node: node, now: wallMillis())
        let b = try SQLiteStore(
            directory: (directory as NSString).appendingPathComponent("b"), node: NodeID(words: 0xB, 0, 0, 1), now: wallMillis())
        var clock = HybridLogicalClock(latest: try a.summary().clock)
        var rng = SystemRandomNumberGenerator()
        /// Writes every field of `ids` on A in one commit, then commits the batch on B.
        func pass(_ ids: [String]) throws -> (local: Double, remote: Double) {
            let start = monotonicSeconds()
            var working = try a.workingSet("customers", records: ids)
            var delta = RecordCollection()
            let timestamp = clock.tick(now: wallMillis())
            for id in ids {
                let fields = (0..<10).map { ("field\($0)", Value.string(String(repeating: "y", count: Int.random(in: 8...32, using: &rng)))) }
                delta.join(try working.update(id, fields: fields, by: node, at: timestamp))
            }
            let batch = try a.commitLocal(
                LocalChange(collection: "customers", delta: delta, clock: clock.latest),
                sign: { _ in [UInt8](repeating: 0, count: 64) }, now: wallMillis())
            let local = monotonicSeconds() - start
            let remoteStart = monotonicSeconds()
            let outcomes = try b.commitRemote([RemoteBatch(batch: batch, delta: delta)], clock: clock.latest, now: wallMillis())
            guard case .applied = outcomes.first else { fatalError("B did not apply batch \(batch.sequence): \(outcomes)") }
            return (local, monotonicSeconds() - remoteStart)
        }
        let ids = (0..<total).map { "customer-\($0)" }
        for first in stride(from: 0, to: total, by: 1_000) { _ = try pass(Array(ids[first..<min(first + 1_000, total)])) }
        var local = 0.0
        var remote = 0.0
        let chunk = 400
        for _ in 0..<3 {
            for first in stride(from: 0, to: total, by: chunk) {
                let times = try pass(Array(ids[first..<min(first + chunk, total)]))
                local += times.local
                remote += times.remote
            }
        }
        let updates = Double(3 * total * 10)
        guard try a.record("customers", "customer-0") == b.record("customers", "customer-0") else { fatalError("A and B differ") }
        print(String(format: "rewrite: %d records x 10 fields, 3 passes of %d-record commits: A (working set + commitLocal) %.1f µs/record, %.0f field updates/s; B (commitRemote) %.1f µs/record, %.0f field updates/s",
                     total, chunk, local * 1e6 / Double(3 * total), updates / local, remote * 1e6 / Double(3 * total), updates / remote))
    case "gaps":
        try benchGaps(directory: directory, count: arguments.count > 3 ? Int(arguments[3]) ?? 8_000 : 8_000)
    default:
        print("unknown mode \(arguments[1])")
        exit(2)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
