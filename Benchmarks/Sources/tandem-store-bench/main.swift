import Foundation
import TandemCore
import TandemStore

// Store benchmarks (release build):
//   tandem-store-bench populate <dir> [records]   build a store of N records x 10 fields
//   tandem-store-bench open <dir>                  open it, read 1,000 random records, report time and memory
// `make bench-store` runs both, the open step five times in fresh processes.

func wallMillis() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Resident and peak resident memory of this process, in MiB, from /proc.
func memoryMiB() -> (rss: Double, peak: Double) {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
    func field(_ name: String) -> Double {
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let digits = line.split(separator: " ").compactMap { Double($0) }
            return (digits.first ?? 0) / 1024
        }
        return 0
    }
    return (field("VmRSS:"), field("VmHWM:"))
}

let node = NodeID(words: 0xA, 0, 0, 1)
let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: tandem-store-bench populate <dir> [records] | open <dir>")
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
    default:
        print("unknown mode \(arguments[1])")
        exit(2)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
