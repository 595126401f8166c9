import BenchmarkSupport
import Foundation
import Synchronization
import TandemCore
import TandemNode
import TandemStore

// Sync over TCP (release build): two nodes in one process over loopback,
// SQLite stores (synchronous = FULL) in temporary directories, Ed25519
// signatures, encrypted sessions.
//
//   tandem-sync-bench [all|throughput|throughput-batched|throughput-records|latency|local|signatures|rewrite]
//
// throughput: A writes 10,000 records x 10 fields (100,000 field updates);
//   the clock runs until B has committed them all. Two shapes: 100 records
//   per `write` call with 4 calls in flight, and one record per call with
//   64 in flight. Calls that reach A together are group-committed (one batch).
// latency: A writes one field update per millisecond for 10 s, one `write`
//   call each; each update's latency runs from the call to A's `write` to
//   B's commit of the batch holding it (B's `.applied` event), on the same
//   monotonic clock.
// local: where a write's time goes without the network (SQLite vs memory).
// rewrite: A writes the throughput workload, then overwrites every field of
//   every record 3 times (300,000 field updates, 100 records per call, 4 in
//   flight); the clock runs over the overwrites until B has committed them
//   (not part of `all`).
// signatures: the CPU share of Ed25519 signing and verification at a paced
//   50,000 field updates/s for 10 s (SignatureShare.swift; not part of `all`;
//   TANDEM_BENCH_RECORDS_PER_CALL picks the shapes, default "5,1").
// TANDEM_BENCH_RUNS sets the number of measured runs (default 5), after one
// warm-up run of each; TANDEM_BENCH_GROUP_DELAY_MS overrides A's
// `groupCommitDelayMillis` (default 2); TANDEM_BENCH_VERBOSE=1 prints where
// the slowest updates spent their time.

let runs = Int(ProcessInfo.processInfo.environment["TANDEM_BENCH_RUNS"] ?? "") ?? 5
let mode = CommandLine.arguments.dropFirst().first ?? "all"
let verbose = ProcessInfo.processInfo.environment["TANDEM_BENCH_VERBOSE"] != nil
let recordCount = 10_000
let fieldsPerRecord = 10

/// The workload: the same records and values in every run.
func workload() -> [(id: String, fields: [String: Value])] {
    var rng = SeededGenerator(seed: 42)
    return (0..<recordCount).map { index in
        var fields: [String: Value] = [:]
        for field in 0..<fieldsPerRecord { fields["field\(field)"] = .string(randomWord(&rng)) }
        return ("customer-\(index)", fields)
    }
}

/// Writes the workload from A, `recordsPerBatch` records per `write` call,
/// with up to `window` calls in flight; returns field updates per second
/// until B committed all of them, and the number of batches A made.
func throughput(recordsPerBatch: Int, window: Int, records: [(id: String, fields: [String: Value])]) async throws -> (rate: Double, batches: Int) {
    let pair = try await Pair.start()
    let total = records.count * fieldsPerRecord
    let chunks = stride(from: 0, to: records.count, by: recordsPerBatch).map {
        Array(records[$0..<min($0 + recordsPerBatch, records.count)])
    }
    let start = monotonicNanos()
    try await writeChunks(chunks, window: window, from: pair.a)
    let batches = pair.a.metrics.localBatches
    if verbose {
        print(String(format: "  A wrote all in %.3f s, in %d batches; B holds %d", Double(monotonicNanos() - start) / 1e9, batches, pair.arrivals.count))
    }
    try await pair.waitForArrivals(batches)
    let seconds = Double(monotonicNanos() - start) / 1e9
    let metrics = pair.b.metrics
    if metrics.totalRejections != 0 || metrics.storeFailures != 0 { fatalError("B refused or failed: \(metrics)") }
    // Outside the timed part: B holds every record, with A's values.
    let held = try pair.b.store.records("customers", after: nil, limit: .max)
    let sample = records[records.count / 2]
    guard held.count == records.count,
          try await pair.b.record(collection: "customers", id: sample.id)?.fields == sample.fields
    else { fatalError("B holds \(held.count) of \(records.count) records, or wrong values") }
    // Bytes on the wire per field update, against the raw field payload
    // (record id, field name, value bytes and an 8-byte timestamp).
    let raw = records.reduce(0) { sum, record in
        record.fields.reduce(sum) { sum, field in
            var valueBytes = 8
            if case .string(let text) = field.value { valueBytes = text.utf8.count }
            return sum + record.id.utf8.count + field.key.utf8.count + valueBytes + 8
        }
    }
    let wire = pair.a.metrics.bytesSent + pair.b.metrics.bytesSent
    print(String(format: "  wire: A->B %d bytes, B->A %d bytes, %.1f bytes per field update; raw field payload %.1f bytes per update (ratio %.2f)",
                 pair.a.metrics.bytesSent, pair.b.metrics.bytesSent, Double(wire) / Double(total),
                 Double(raw) / Double(total), Double(wire) / Double(raw)))
    print("  \(pair.waste)")
    try await pair.stop()
    return (Double(total) / seconds, batches)
}

/// Writes `chunks` from `node`, one `write(collection:records:)` call per
/// chunk, with up to `window` calls in flight.
func writeChunks(_ chunks: [[(id: String, fields: [String: Value])]], window: Int, from node: SyncNode) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        func submit() {
            let chunk = chunks[next]
            next += 1
            group.addTask {
                var batch: [String: [String: Value]] = [:]
                for record in chunk { batch[record.id] = record.fields }
                try await node.write(collection: "customers", records: batch)
            }
        }
        while next < min(window, chunks.count) { submit() }
        while try await group.next() != nil {
            if next < chunks.count { submit() }
        }
    }
}

/// Overwriting existing records: A writes the workload (10,000 records x 10
/// fields, untimed, until B holds it all), then overwrites every field of
/// every record `passes` times with new values, `recordsPerBatch` records
/// per call and `window` calls in flight. Returns field updates per second
/// over the overwrite passes, until B committed every batch; the process's
/// CPU time over them, in cores; and the number of batches they made.
func rewrite(passes: Int, recordsPerBatch: Int, window: Int, records: [(id: String, fields: [String: Value])]) async throws
    -> (rate: Double, cores: Double, batches: Int) {
    let pair = try await Pair.start()
    func chunks(_ records: [(id: String, fields: [String: Value])]) -> [[(id: String, fields: [String: Value])]] {
        stride(from: 0, to: records.count, by: recordsPerBatch).map {
            Array(records[$0..<min($0 + recordsPerBatch, records.count)])
        }
    }
    try await writeChunks(chunks(records), window: window, from: pair.a)
    let initialBatches = pair.a.metrics.localBatches
    try await pair.waitForArrivals(initialBatches)
    // New values for every field, the same in every run.
    var rng = SeededGenerator(seed: 99)
    let rewrites = (0..<passes).map { _ in
        records.map { record in
            var fields: [String: Value] = [:]
            for field in 0..<fieldsPerRecord { fields["field\(field)"] = .string(randomWord(&rng)) }
            return (id: record.id, fields: fields)
        }
    }
    let cpuStart = processCPUSeconds()
    let start = monotonicNanos()
    for pass in rewrites { try await writeChunks(chunks(pass), window: window, from: pair.a) }
    let batches = pair.a.metrics.localBatches
    try await pair.waitForArrivals(batches)
    let seconds = Double(monotonicNanos() - start) / 1e9
    let cores = (processCPUSeconds() - cpuStart) / seconds
    let metrics = pair.b.metrics
    if metrics.totalRejections != 0 || metrics.storeFailures != 0 { fatalError("B refused or failed: \(metrics)") }
    // Outside the timed part: B holds every record, with the last pass's values.
    let held = try pair.b.store.records("customers", after: nil, limit: .max)
    guard let last = rewrites.last else { fatalError("no passes") }
    for sample in [last[0], last[last.count / 2], last[last.count - 1]] {
        guard try await pair.b.record(collection: "customers", id: sample.id)?.fields == sample.fields,
              try await pair.a.record(collection: "customers", id: sample.id)?.fields == sample.fields
        else { fatalError("\(sample.id): wrong values after the overwrites") }
    }
    guard held.count == records.count else { fatalError("B holds \(held.count) of \(records.count) records") }
    if verbose {
        print("  A: \(pair.a.metrics)\n  B: \(pair.b.metrics)")
        // Each overwrite batch: when A committed it and when B did.
        let committed = pair.commits.times
        let arrived = pair.arrivals.times
        for sequence in committed.keys.sorted() where sequence > UInt64(initialBatches) {
            print(String(format: "  batch %d: A %.3f s, B %.3f s", sequence,
                         Double((committed[sequence] ?? start) &- start) / 1e9, Double((arrived[sequence] ?? start) &- start) / 1e9))
        }
    }
    try await pair.stop()
    return (Double(passes * records.count * fieldsPerRecord) / seconds, cores, batches - initialBatches)
}

/// One update per `intervalMicros` for `seconds`; returns each update's
/// latency in milliseconds, from the call to A's write to B's commit, and
/// the number of batches the updates travelled in.
func latency(seconds: Int, intervalMicros: Int) async throws -> (latencies: [Double], batches: Int) {
    let pair = try await Pair.start()
    let count = seconds * 1_000_000 / intervalMicros
    let started = Starts()
    var rng = SeededGenerator(seed: 7)
    let values = (0..<count).map { _ in randomWord(&rng) }
    let clock = ContinuousClock()
    let origin = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<count {
            try await clock.sleep(until: origin + .microseconds(index * intervalMicros))
            let value = values[index]
            let start = monotonicNanos()
            group.addTask {
                let batch = try await pair.a.write(
                    collection: "customers", record: "customer-\(index % 1_000)",
                    fields: ["field\(index % fieldsPerRecord)": .string(value)])
                if let batch { started.record(batch.sequence, at: start) }
            }
        }
        try await group.waitForAll()
    }
    let starts = started.all
    guard starts.count == count else { fatalError("\(count - starts.count) writes returned no batch") }
    try await pair.waitForArrivals(pair.a.metrics.localBatches)
    let arrived = pair.arrivals.times
    if verbose {
        let threads = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("Threads:") } ?? ""
        print("  \(threads)\n  A: \(pair.a.metrics)\n  B: \(pair.b.metrics)")
        // The slowest updates: time to A's commit and on to B's.
        let committed = pair.commits.times
        let worst = starts.compactMap { sequence, start in arrived[sequence].map { (sequence, start, $0) } }
            .sorted { $0.2 - $0.1 > $1.2 - $1.1 }.prefix(5)
        for (sequence, start, end) in worst {
            let atA = committed[sequence] ?? 0
            print(String(format: "  batch %d: A committed after %.3f ms, B after %.3f ms more (started %.3f s into the run)",
                         sequence, Double(atA &- start) / 1e6, Double(end &- atA) / 1e6, Double(start &- (starts.first?.start ?? start)) / 1e9))
        }
    }
    print("  \(pair.waste)")
    try await pair.stop()
    let latencies = starts.compactMap { sequence, start in
        arrived[sequence].map { Double(Int64(bitPattern: $0 &- start)) / 1e6 }
    }
    guard latencies.count == count else { fatalError("\(count - latencies.count) updates never reached B") }
    return (latencies.sorted(), arrived.count)
}

/// When each of A's writes started, with the sequence of the batch that
/// carried it (writes that reach the node together share a batch).
final class Starts: Sendable {
    private let state = Mutex<[(sequence: UInt64, start: UInt64)]>([])
    func record(_ sequence: UInt64, at start: UInt64) { state.withLock { $0.append((sequence, start)) } }
    var all: [(sequence: UInt64, start: UInt64)] { state.withLock { $0 } }
}

/// Where a write's time goes without the network: sequential one-field
/// writes on a lone node, over SQLite and over the in-memory store.
func localWrites(count: Int) async throws {
    for durable in [true, false] {
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("tandem-sync-bench-\(UUID().uuidString)")
        let configuration = SyncNodeConfiguration(identity: Keys.a)
        let node = durable
            ? try SyncNode.open(configuration: configuration, directory: directory)
            : SyncNode(configuration: configuration, store: InMemoryStore(node: Keys.a.nodeID))
        try await node.start()
        var sample: [Double] = []
        for index in 0..<count {
            let start = monotonicNanos()
            try await node.write(collection: "customers", record: "customer-\(index % 1_000)", fields: ["field\(index % 10)": .string("value-\(index)")])
            sample.append(Double(monotonicNanos() - start) / 1e6)
        }
        try await node.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
        sample.sort()
        print(String(format: "one-field write, %@, sequential: p50 %.3f ms, p99 %.3f ms (%d writes)",
                     durable ? "SQLite" : "in memory", quantile(sample, 0.5), quantile(sample, 0.99), count))
    }
}

if mode == "signatures" {
    // 50,000 field updates/s for 10 s: 5 records per call (one call per
    // millisecond), then one record per call (5,000 calls/s).
    print("tandem-sync-bench: \(runs) runs after a warm-up; 2 nodes over loopback TCP, SQLite (synchronous = FULL), Ed25519, encrypted")
    let shapes = (ProcessInfo.processInfo.environment["TANDEM_BENCH_RECORDS_PER_CALL"] ?? "5,1").split(separator: ",").compactMap { Int($0) }
    for recordsPerCall in shapes {
        try await signatureShare(seconds: 10, updatesPerSecond: 50_000, recordsPerCall: recordsPerCall)
    }
    fflush(nil)
    exit(0)
}

if mode == "local" {
    try await localWrites(count: 2_000)
    try await localWrites(count: 5_000)
    exit(0)
}

let records = workload()
print("tandem-sync-bench: \(runs) runs after a warm-up; 2 nodes over loopback TCP, SQLite (synchronous = FULL), Ed25519, encrypted")

if mode.hasPrefix("throughput") || mode == "all" {
    let shapes = [(100, 4), (1, 64)].filter {
        mode == "throughput-batched" ? $0.0 > 1 : mode == "throughput-records" ? $0.0 == 1 : true
    }
    for (perBatch, window) in shapes {
        _ = try await throughput(recordsPerBatch: perBatch, window: window, records: records)
        var rates: [Double] = []
        var batches: [Double] = []
        for _ in 0..<runs {
            let run = try await throughput(recordsPerBatch: perBatch, window: window, records: records)
            rates.append(run.rate)
            batches.append(Double(run.batches))
        }
        print("throughput, \(perBatch) record(s) per write call, \(window) calls in flight: \(Summary(rates)) field updates/s"
              + " (runs: \(rates.map { String(format: "%.0f", $0) }.joined(separator: ", ")); batches per run: \(Summary(batches)))")
    }
}

if mode == "rewrite" {
    // Not part of `all`: 3 passes overwriting all 100,000 fields.
    _ = try await rewrite(passes: 3, recordsPerBatch: 100, window: 4, records: records)
    var rates: [Double] = []
    var cores: [Double] = []
    var batches: [Double] = []
    for _ in 0..<runs {
        let run = try await rewrite(passes: 3, recordsPerBatch: 100, window: 4, records: records)
        rates.append(run.rate)
        cores.append(run.cores)
        batches.append(Double(run.batches))
        print(String(format: "  rewrite run: %.0f field updates/s, %.2f cores, %d batches", run.rate, run.cores, run.batches))
    }
    print("rewrite, 3 passes over 10,000 existing records x 10 fields, 100 records per write call, 4 calls in flight: \(Summary(rates)) field updates/s"
          + " (process CPU \(Summary(cores).formatted("%.2f")) cores; batches per run: \(Summary(batches)))")
}

if mode == "latency" || mode == "all" {
    _ = try await latency(seconds: 2, intervalMicros: 1_000)
    var p50s: [Double] = []
    var p99s: [Double] = []
    var maxima: [Double] = []
    for _ in 0..<runs {
        let (sample, batches) = try await latency(seconds: 10, intervalMicros: 1_000)
        p50s.append(quantile(sample, 0.5))
        p99s.append(quantile(sample, 0.99))
        maxima.append(sample.last ?? 0)
        print(String(format: "  latency run: %d updates in %d batches, p50 %.3f ms, p99 %.3f ms, max %.3f ms",
                     sample.count, batches, p50s.last ?? 0, p99s.last ?? 0, maxima.last ?? 0))
    }
    print("latency at 1,000 updates/s for 10 s: p50 \(Summary(p50s).formatted("%.3f")) ms, p99 \(Summary(p99s).formatted("%.3f")) ms, max \(Summary(maxima).formatted("%.3f")) ms")
}
