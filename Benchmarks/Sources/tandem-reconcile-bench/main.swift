import BenchmarkSupport
import Foundation
import TandemCore
import TandemCrypto
import TandemStore
import TandemSync

// Digest reconciliation between two large replicas (release build): the real
// protocol (two `SyncDriver`s with Ed25519 keys) over a FIFO link each way in
// this process, every message's encoded bytes counted by kind.
//
//   tandem-reconcile-bench memory [records]       both replicas in InMemoryStore
//   tandem-reconcile-bench sqlite-seed <dir> [records]
//                                                 builds the two SQLite replicas once
//   tandem-reconcile-bench sqlite <dir> [records] copies them afresh for every run
//   tandem-reconcile-bench sqlite-join <dir> [records]
//                                                 a new node (empty store) joins A
//                                                 (Join.swift); TANDEM_BENCH_INTERRUPT=0.5
//                                                 restarts it half way
//
// Setup: A writes `records` records (default 1,000,000) of 10 string fields
// (8 to 32 random letters) through `SyncDriver.write`, 10,000 records per
// batch, then compacts its whole delta log. B holds the same records and
// causal context, imported with `commitReconciliation` as a node restored
// from a snapshot would (its batch vector is empty). So B's summary shows it
// lacking batches that A can no longer send, and the protocol reconciles by
// digest. Cases: `equal` (nothing else), and A rewriting every field of its
// first 1 or 1,000 records (one batch) before the run, then compacting
// again. A run connects the two, delivers until nothing is in flight, then
// fires summary rounds (virtual time, 1,001 ms apart) until B has adopted
// A's batch vector. The wall time covers all of that (digests, chunk
// signing and verification, store reads and commits).
//
// TANDEM_BENCH_RUNS sets the measured runs per case (default 5, after one
// warm-up run of the first case); TANDEM_BENCH_CASES the cases (default
// "equal,1,1000" on SQLite, "equal" in memory: InMemoryStore scans every
// record for each dot range a reconciliation commit's context names, so the
// changed cases take minutes per run there at 1,000,000 records).

let arguments = CommandLine.arguments
let runs = Int(ProcessInfo.processInfo.environment["TANDEM_BENCH_RUNS"] ?? "") ?? 5
let cases = (ProcessInfo.processInfo.environment["TANDEM_BENCH_CASES"]
    ?? (arguments.dropFirst().first == "memory" ? "equal" : "equal,1,1000"))
    .split(separator: ",").map { $0 == "equal" ? 0 : Int($0) ?? 0 }
let collection = "customers"
let recordsPerBatch = 10_000

enum Keys {
    static let a = keyPair(0xA1)
    static let b = keyPair(0xB0)
    static let trusted: Set<NodeID> = [a.nodeID, b.nodeID]

    static func keyPair(_ byte: UInt8) -> NodeKeyPair {
        do {
            return try NodeKeyPair(seed: Array(repeating: byte, count: NodeKeyPair.seedByteCount))
        } catch {
            fatalError("key: \(error)")
        }
    }
}

func wallMillis() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

/// Writes every field of records `range` from A, `recordsPerBatch` records
/// per batch, through the driver's real write path.
func write(_ driver: inout SyncDriver<QueueShell>, records range: Range<Int>, seed: UInt64, now: inout UInt64) throws {
    var rng = SeededGenerator(seed: seed)
    let node = driver.node
    for first in stride(from: range.lowerBound, to: range.upperBound, by: recordsPerBatch) {
        let ids = (first..<min(first + recordsPerBatch, range.upperBound)).map { "customer-\($0)" }
        let values = ids.map { _ in (0..<10).map { ("field\($0)", Value.string(randomWord(&rng))) } }
        now += 1
        try driver.write(collection, records: ids, now: now) { working, timestamp in
            var delta = RecordCollection()
            for (id, fields) in zip(ids, values) {
                delta.join(try working.update(id, fields: fields, by: node, at: timestamp))
            }
            return delta
        }
    }
}

/// Removes every batch from the driver's delta log.
func compactAll(_ driver: inout SyncDriver<QueueShell>, now: inout UInt64) throws {
    now += 1
    try driver.compactLog(LogCompaction(retentionMillis: 0), peers: [], now: now)
}

/// Populates A and compacts its log; returns the seconds it took.
func populate(_ store: any ReplicaStore, records: Int, now: inout UInt64) throws -> Double {
    let start = monotonicNanos()
    var driver = try makeDriver(store, key: Keys.a, trusted: Keys.trusted)
    try write(&driver, records: 0..<records, seed: 42, now: &now)
    try compactAll(&driver, now: &now)
    return Double(monotonicNanos() - start) / 1e9
}

/// Gives `target` (empty) A's records and context in one reconciliation
/// commit, as a snapshot restore would: no batches, so no batch vector.
func importWhole(from source: any ReplicaStore, into target: any ReplicaStore, now: UInt64) throws {
    let records = try source.records(collection, inLeaves: 0...UInt16.max)
    let context = try source.workingSet(collection, records: []).context
    _ = try target.commitReconciliation(
        try RecordCollection(records: records, context: context), collection: collection, from: Keys.a.nodeID, clock: .zero, now: now)
}

/// The same, block by block (for SQLite, where one commit of every record
/// would hold them all in memory): the blocks follow A's write order, so
/// each block's dots form one range above everything imported before.
func importInBlocks(from source: any ReplicaStore, into target: any ReplicaStore, records: Int, now: UInt64) throws {
    for first in stride(from: 0, to: records, by: recordsPerBatch) {
        let ids = (first..<min(first + recordsPerBatch, records)).map { "customer-\($0)" }
        let block = try source.workingSet(collection, records: ids)
        var low = UInt64.max
        var high: UInt64 = 0
        var dots = 0
        for (_, record) in block.records {
            record.forEachDot { dot in
                low = min(low, dot.counter)
                high = max(high, dot.counter)
                dots += 1
            }
        }
        guard dots > 0, high - low + 1 == UInt64(dots) else { fatalError("block at \(first): dots not one range") }
        var context = CausalContext()
        context.insert(node: Keys.a.nodeID, low...high)
        _ = try target.commitReconciliation(
            try RecordCollection(records: block.records, context: context), collection: collection, from: Keys.a.nodeID, clock: .zero, now: now)
    }
}

/// Before a run of case `changed`: A rewrites every field of its first
/// `changed` records in one batch and compacts its log again.
func diverge(_ storeA: any ReplicaStore, changed: Int, run: Int, now: inout UInt64) throws {
    guard changed > 0 else { return }
    var driver = try makeDriver(storeA, key: Keys.a, trusted: Keys.trusted)
    try write(&driver, records: 0..<changed, seed: 1_000 + UInt64(run), now: &now)
    try compactAll(&driver, now: &now)
}

/// Checks that the run left B equal to A (count and digest of every record).
func checkEqual(_ storeA: any ReplicaStore, _ storeB: any ReplicaStore, records: Int) throws {
    let rootA = try rootDigest(storeA, collection)
    let rootB = try rootDigest(storeB, collection)
    guard rootA.count == UInt64(records), rootA == rootB else {
        fatalError("replicas differ after the run: A \(rootA), B \(rootB)")
    }
}

func label(_ changed: Int) -> String { changed == 0 ? "equal replicas" : "A changed \(changed) record(s)" }

func report(_ changed: Int, _ results: [RunResult]) {
    func summary(_ values: [Double], _ format: String = "%.0f") -> String { Summary(values).formatted(format) }
    let last = results.last?.traffic ?? Traffic()
    print("\(label(changed)): \(results.count) runs")
    print("  bytes exchanged: \(summary(results.map { Double($0.traffic.total) })) (A->B \(summary(results.map { Double($0.traffic.aToB) })), B->A \(summary(results.map { Double($0.traffic.bToA) })))")
    print("  messages: \(summary(results.map { Double($0.traffic.messageCount) })); by kind (last run): \(last.breakdown)")
    print("  wall time: \(summary(results.map(\.seconds), "%.3f")) s; summary rounds after connecting: \(summary(results.map { Double($0.timerRounds) })); records chunks: \(summary(results.map { Double($0.chunks) }))")
    let parity = results.map(\.parity)
    print("  then a peer parity check, A against B (outcome \(parity.last?.report.outcome.label ?? "-")): \(summary(parity.map { Double($0.traffic.total) })) bytes (A->B \(summary(parity.map { Double($0.traffic.aToB) })), B->A \(summary(parity.map { Double($0.traffic.bToA) }))), \(parity.last?.traffic.breakdown ?? ""); bytes the report counted: \(summary(parity.map { Double($0.report.bytesExchanged) })); records compared: \(summary(parity.map { Double($0.report.recordsCompared) })); wall time \(summary(parity.map(\.seconds), "%.4f")) s")
}

func runMemory(records: Int) throws {
    var now = wallMillis()
    let storeA = InMemoryStore(node: Keys.a.nodeID)
    let seconds = try populate(storeA, records: records, now: &now)
    print(String(format: "A: %d records x 10 fields written in %.1f s, log compacted", records, seconds))
    var warmedUp = false
    for changed in cases {
        var results: [RunResult] = []
        for run in 0..<(warmedUp ? runs : runs + 1) {
            let storeB = InMemoryStore(node: Keys.b.nodeID)
            try importWhole(from: storeA, into: storeB, now: now)
            try diverge(storeA, changed: changed, run: run, now: &now)
            let result = try reconcile(a: storeA, keyA: Keys.a, b: storeB, keyB: Keys.b, now: now)
            now = max(now, wallMillis()) + 100_000
            try checkEqual(storeA, storeB, records: records)
            print(String(format: "  %@ run %d: %d bytes (%@), %.3f s", label(changed), run, result.traffic.total, result.traffic.breakdown, result.seconds))
            if warmedUp { results.append(result) } else { warmedUp = true }
        }
        report(changed, results)
    }
}

func runSQLite(directory: String, records: Int) throws {
    let seedA = directory + "/seed/a"
    let seedB = directory + "/seed/b"
    let files = FileManager.default
    guard files.fileExists(atPath: seedA), files.fileExists(atPath: seedB) else {
        fatalError("no seed stores under \(directory)/seed: run `tandem-reconcile-bench sqlite-seed \(directory) \(records)` first")
    }
    var now = wallMillis()
    var warmedUp = false
    for changed in cases {
        var results: [RunResult] = []
        for run in 0..<(warmedUp ? runs : runs + 1) {
            let runDirectory = directory + "/run"
            try? files.removeItem(atPath: runDirectory)
            try files.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
            try files.copyItem(atPath: seedA, toPath: runDirectory + "/a")
            try files.copyItem(atPath: seedB, toPath: runDirectory + "/b")
            let result: RunResult
            do {
                let storeA = try SQLiteStore(directory: runDirectory + "/a", node: Keys.a.nodeID, now: now)
                let storeB = try SQLiteStore(directory: runDirectory + "/b", node: Keys.b.nodeID, now: now)
                try diverge(storeA, changed: changed, run: run, now: &now)
                result = try reconcile(a: storeA, keyA: Keys.a, b: storeB, keyB: Keys.b, now: now)
                now = max(now, wallMillis()) + 100_000
                try checkEqual(storeA, storeB, records: records)
            }
            print(String(format: "  %@ run %d: %d bytes (%@), %.3f s", label(changed), run, result.traffic.total, result.traffic.breakdown, result.seconds))
            if warmedUp { results.append(result) } else { warmedUp = true }
        }
        report(changed, results)
    }
    try? files.removeItem(atPath: directory + "/run")
}

func seedSQLite(directory: String, records: Int) throws {
    try? FileManager.default.removeItem(atPath: directory + "/seed")
    var now = wallMillis()
    let storeA = try SQLiteStore(directory: directory + "/seed/a", node: Keys.a.nodeID, now: now)
    let seconds = try populate(storeA, records: records, now: &now)
    print(String(format: "A: %d records x 10 fields written in %.1f s, log compacted", records, seconds))
    let start = monotonicNanos()
    let storeB = try SQLiteStore(directory: directory + "/seed/b", node: Keys.b.nodeID, now: now)
    try importInBlocks(from: storeA, into: storeB, records: records, now: now)
    try checkEqual(storeA, storeB, records: records)
    print(String(format: "B: the same records imported in %.1f s", Double(monotonicNanos() - start) / 1e9))
}

let mode = arguments.dropFirst().first ?? "memory"
do {
    switch mode {
    case "memory":
        let records = arguments.count > 2 ? Int(arguments[2]) ?? 1_000_000 : 1_000_000
        print("tandem-reconcile-bench: InMemoryStore, \(records) records x 10 fields, \(runs) runs per case after a warm-up")
        try runMemory(records: records)
    case "sqlite-join":
        guard arguments.count > 2 else { fatalError("usage: tandem-reconcile-bench sqlite-join <dir> [records]") }
        let records = arguments.count > 3 ? Int(arguments[3]) ?? 1_000_000 : 1_000_000
        let interrupt = ProcessInfo.processInfo.environment["TANDEM_BENCH_INTERRUPT"].flatMap(Double.init)
        print("tandem-reconcile-bench: a new node joins a SQLiteStore of \(records) records x 10 fields, \(runs) runs")
        try runJoin(directory: arguments[2], records: records, interruptAt: interrupt)
    case "sqlite-seed", "sqlite":
        guard arguments.count > 2 else { fatalError("usage: tandem-reconcile-bench \(mode) <dir> [records]") }
        let records = arguments.count > 3 ? Int(arguments[3]) ?? 1_000_000 : 1_000_000
        if mode == "sqlite-seed" {
            try seedSQLite(directory: arguments[2], records: records)
        } else {
            print("tandem-reconcile-bench: SQLiteStore, \(records) records x 10 fields, \(runs) runs per case after a warm-up")
            try runSQLite(directory: arguments[2], records: records)
        }
    default:
        print("usage: tandem-reconcile-bench memory [records] | sqlite-seed <dir> [records] | sqlite <dir> [records] | sqlite-join <dir> [records]")
        exit(2)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
