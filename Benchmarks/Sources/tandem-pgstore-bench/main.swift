import BenchmarkSupport
import Foundation
import TandemCore
import TandemCrypto
import TandemPostgresStore
import TandemStore

// The node's commit path on PostgreSQL against SQLite (release build):
//   tandem-pgstore-bench commit sqlite <dir> [commits]      local commits of one change each, on SQLiteStore
//   tandem-pgstore-bench commit postgres <url> [commits]    the same on PostgresStore (url names the schema)
//   tandem-pgstore-bench populate postgres <url> [records]  N records x 10 fields, 1,000 per commit
//   tandem-pgstore-bench open postgres <url> <node>         open + summary, then 1,000 random record reads; time and memory
// A commit is what a node does for one local change: read the working set of
// the record, run the mutator, sign the batch with Ed25519 and commit state,
// log entry, vector, clock and audit in one transaction (`commitLocal`).
// `make bench-pgstore` runs both commit benchmarks three times, interleaved,
// against a throwaway PostgreSQL cluster with default durability (fsync on,
// synchronous_commit on) and SQLite with synchronous = FULL.

func wallMillis() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }


let arguments = CommandLine.arguments
guard arguments.count >= 4, ["sqlite", "postgres"].contains(arguments[2]) else {
    print("usage: tandem-pgstore-bench commit|populate|open sqlite <dir> | postgres <url> [count]")
    exit(2)
}
let mode = arguments[1]
let backend = arguments[2]
let target = arguments[3]
let count = arguments.count > 4 ? Int(arguments[4]) : nil

func openStore(node: NodeID) throws -> any ReplicaStore {
    if backend == "postgres" {
        return try PostgresStore(url: target, environment: ProcessInfo.processInfo.environment, node: node, now: wallMillis())
    }
    return try SQLiteStore(directory: target, node: node, now: wallMillis())
}

do {
    let keys = try NodeKeyPair.generate()
    let node = keys.nodeID
    switch mode {
    case "commit":
        let commits = count ?? 2_000
        let store = try openStore(node: node)
        var clock = HybridLogicalClock(latest: try store.summary().clock)
        var latencies: [Double] = []
        latencies.reserveCapacity(commits)
        let start = monotonicSeconds()
        for index in 0..<commits {
            let begin = monotonicSeconds()
            let id = "customer-\(index % 500)"
            var working = try store.workingSet("customers", records: [id])
            let stamp = clock.tick(now: wallMillis())
            let delta = try working.update(
                id, fields: [("name", .string("name \(index)")), ("phone", .int(Int64(index))), ("status", .string("active"))],
                by: node, at: stamp)
            _ = try store.commitLocal(
                LocalChange(collection: "customers", delta: delta, clock: clock.latest), sign: keys.sign, now: wallMillis())
            latencies.append(monotonicSeconds() - begin)
        }
        let elapsed = monotonicSeconds() - start
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000 }
        print(String(
            format: "commit %@: %d commits in %.2f s, %.0f commits/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms",
            backend, commits, elapsed, Double(commits) / elapsed, percentile(0.5), percentile(0.99), percentile(1)))
        if let store = store as? PostgresStore { store.close() }
        if let store = store as? SQLiteStore { try store.close() }
    case "populate":
        let total = count ?? 1_000_000
        let store = try openStore(node: node)
        var clock = HybridLogicalClock(latest: try store.summary().clock)
        let chunk = 1_000
        let start = monotonicSeconds()
        for first in stride(from: 0, to: total, by: chunk) {
            let ids = (first..<min(first + chunk, total)).map { "customer-\($0)" }
            var working = try store.workingSet("customers", records: ids)
            var delta = RecordCollection()
            for id in ids {
                let fields = (0..<10).map { ("field\($0)", Value.string(String(repeating: "x", count: 8 + ($0 * 7 + id.count) % 25))) }
                delta.join(try working.update(id, fields: fields, by: node, at: clock.tick(now: wallMillis())))
            }
            _ = try store.commitLocal(
                LocalChange(collection: "customers", delta: delta, clock: clock.latest), sign: keys.sign, now: wallMillis())
            if (first / chunk) % 100 == 99 {
                print(String(format: "populate: %d records, %.0f field writes/s", first + chunk, Double((first + chunk) * 10) / (monotonicSeconds() - start)))
            }
        }
        print(String(format: "populate %@: %d records in %.1f s", backend, total, monotonicSeconds() - start))
        // The node id is needed to open it again: keep it beside the store.
        print("node \(node.hex)")
    case "open":
        guard arguments.count > 4, let owner = NodeID(hex: arguments[4]) else {
            print("open needs the node id populate printed: open postgres <url> <node>")
            exit(2)
        }
        let start = monotonicSeconds()
        let store = try openStore(node: owner)
        let summary = try store.summary()
        let opened = monotonicSeconds() - start
        var generator = SystemRandomNumberGenerator()
        let readStart = monotonicSeconds()
        for _ in 0..<1_000 { _ = try store.record("customers", "customer-\(Int.random(in: 0..<1_000_000, using: &generator))") }
        let reads = monotonicSeconds() - readStart
        let memory = memoryMiB()
        print(String(
            format: "open %@: %.3f s (held %@), 1,000 random reads %.3f s, rss %.1f MiB, peak %.1f MiB",
            backend, opened, "\(summary.batches.nextSequence(for: owner) - 1) batches", reads, memory.rss, memory.peak))
    default:
        print("unknown mode \(mode)")
        exit(2)
    }
} catch {
    print("tandem-pgstore-bench: \(error)")
    exit(1)
}
