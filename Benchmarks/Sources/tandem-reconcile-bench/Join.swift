import BenchmarkSupport
import Foundation
import TandemCore
import TandemStore
import TandemSync

// A new node joining: B starts with an empty `SQLiteStore` and takes in A's
// whole state (the seed's A: `records` records of 10 fields, log compacted)
// by the signed chunked snapshot of digest reconciliation, under the
// default reply budget (32 MiB burst, 8 MiB/s).
//
// Time is the node's: each summary round fires 1,001 ms after the last or,
// when the round's work took longer, as soon as it is done; the join time
// is the sum of those rounds, so it counts both the work (digests, chunk
// signing and verification, store reads and commits) and the waits a
// real node's timer makes. With `interruptAt`, B "restarts" once it holds
// that share of the records: both drivers are dropped with whatever was in
// flight and new ones start from the same stores.

struct JoinResult {
    var joinSeconds: Double
    var workSeconds: Double
    var copySeconds: Double
    var rounds: Int
    var recordBytes: Int
    var totalBytes: Int
    var peakMiB: Double
    var firstExpected: UInt64
    var resumedExpected: UInt64?
}

/// One join of a fresh B to the seed's A, in `runDirectory`.
func join(seedA: String, runDirectory: String, records: Int, interruptAt: Double?, now start: UInt64) throws -> JoinResult {
    let files = FileManager.default
    try? files.removeItem(atPath: runDirectory)
    try files.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
    // The figure to beat: copying A's store directory (its SQLite file) as is.
    let copyStart = monotonicNanos()
    try files.copyItem(atPath: seedA, toPath: runDirectory + "/a")
    let copySeconds = Double(monotonicNanos() - copyStart) / 1e9

    let storeA = try SQLiteStore(directory: runDirectory + "/a", node: Keys.a.nodeID, now: start)
    let storeB = try SQLiteStore(directory: runDirectory + "/b", node: Keys.b.nodeID, now: start)
    var link = try Link(a: storeA, keyA: Keys.a, b: storeB, keyB: Keys.b, now: start)
    var joinSeconds = 0.0
    var workSeconds = 0.0
    var rounds = 0
    var recordBytes = 0
    var totalBytes = 0
    var interrupted = interruptAt == nil
    // The first report of each catch-up: before the restart, and after it.
    var firstReports: [CatchUpProgress] = []
    var lastPrinted = monotonicNanos()

    func held() throws -> Int { Int(try rootDigest(storeB, collection).count) }

    func noteFirstReport() {
        if let progress = link.b.shell.catchUp, firstReports.last?.startedAtMillis != progress.startedAtMillis {
            firstReports.append(progress)
        }
    }

    link.connect()
    while !link.bCaughtUp {
        guard rounds < 100_000 else { fatalError("B has not caught up after \(rounds) rounds") }
        let roundStart = monotonicNanos()
        link.settle()
        noteFirstReport()
        if !interrupted, let share = interruptAt, try held() >= Int(Double(records) * share) {
            // A restart: everything in flight is lost; new drivers resume from the stores.
            recordBytes += link.traffic.bytes["records"] ?? 0
            totalBytes += link.traffic.total
            let now = link.now
            print("  interrupted with \(try held()) of \(records) records joined (\(link.b.shell.catchUp?.line ?? "-"))")
            link = try Link(a: storeA, keyA: Keys.a, b: storeB, keyB: Keys.b, now: now)
            link.connect()
            interrupted = true
        }
        let work = Double(monotonicNanos() - roundStart) / 1e9
        workSeconds += work
        let step = max(work, 1.001)
        joinSeconds += step
        link.advance(UInt64(step * 1000))
        noteFirstReport()
        rounds += 1
        if monotonicNanos() - lastPrinted > 5_000_000_000, let progress = link.b.shell.catchUp {
            print("  catching up: \(progress.line)")
            lastPrinted = monotonicNanos()
        }
    }
    link.settle()
    guard link.failures.isEmpty else { fatalError("the join was not clean: \(link.failures.prefix(5))") }
    try checkEqual(storeA, storeB, records: records)
    if let progress = link.b.shell.catchUp { print("  \(progress.finished ? "caught up" : "last report"): \(progress.line)") }
    recordBytes += link.traffic.bytes["records"] ?? 0
    totalBytes += link.traffic.total
    return JoinResult(
        joinSeconds: joinSeconds, workSeconds: workSeconds, copySeconds: copySeconds, rounds: rounds,
        recordBytes: recordBytes, totalBytes: totalBytes, peakMiB: memoryMiB().peak,
        firstExpected: firstReports.first?.expectedRecords ?? 0,
        resumedExpected: firstReports.count > 1 ? firstReports.last?.expectedRecords : nil)
}

func runJoin(directory: String, records: Int, interruptAt: Double?) throws {
    let seedA = directory + "/seed/a"
    guard FileManager.default.fileExists(atPath: seedA) else {
        fatalError("no seed store under \(directory)/seed: run `tandem-reconcile-bench sqlite-seed \(directory) \(records)` first")
    }
    var results: [JoinResult] = []
    var now = wallMillis()
    for run in 0..<runs {
        let result = try join(seedA: seedA, runDirectory: directory + "/join", records: records, interruptAt: interruptAt, now: now)
        now = max(now, wallMillis()) + 100_000
        print(String(
            format: "  join run %d: %.1f s (work %.1f s, %d rounds), copying A's store %.2f s; %d record bytes, %d bytes in all; peak RSS %.0f MiB (both nodes)",
            run, result.joinSeconds, result.workSeconds, result.rounds, result.copySeconds, result.recordBytes, result.totalBytes,
            result.peakMiB))
        results.append(result)
    }
    try? FileManager.default.removeItem(atPath: directory + "/join")
    func summary(_ values: [Double], _ format: String = "%.1f") -> String { Summary(values).formatted(format) }
    let label = interruptAt.map { "joining, restarted at \(Int($0 * 100))%" } ?? "joining"
    print("\(label): \(results.count) runs")
    print("  join time: \(summary(results.map(\.joinSeconds))) s (work \(summary(results.map(\.workSeconds))) s); copying the SQLite store: \(summary(results.map(\.copySeconds), "%.2f")) s")
    print("  record bytes: \(summary(results.map { Double($0.recordBytes) }, "%.0f")); all bytes: \(summary(results.map { Double($0.totalBytes) }, "%.0f"))")
    print("  peak RSS of the process (A and B): \(summary(results.map(\.peakMiB), "%.0f")) MiB")
    print("  expected at the start: \(results.last?.firstExpected ?? 0) records" + (results.last?.resumedExpected.map { "; after the restart: \($0)" } ?? ""))
}
