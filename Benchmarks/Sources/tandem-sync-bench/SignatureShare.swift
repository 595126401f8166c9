import BenchmarkSupport
import Foundation
import TandemCore
import TandemCrypto
import TandemStore

// The CPU share of Ed25519 signing and verification while A writes at a
// steady rate (`tandem-sync-bench signatures`).
//
// A is driven at `updatesPerSecond` field updates for `seconds`, paced on
// the monotonic clock: one `write` call every `1 / callsPerSecond` (each of
// `recordsPerCall` new records x 10 fields), calls not waiting for each
// other, as independent writers would. The window runs from the first call until B
// has committed every batch A made. Over it the process's CPU time
// (getrusage, user + system, both nodes and everything else in the process)
// is read, and the signatures made and checked are counted: A signs each of
// its batches (`localBatches`), B verifies each batch it applies
// (`appliedBatches`) and each reconciliation chunk (`reconciledChunks`).
// The cost of one sign and one verify is then measured in the same process,
// in thread CPU time, on the signing bytes of a batch A actually produced
// (the one of median size), and the share is
// (signs x sign cost + verifies x verify cost) / process CPU time:
// an estimate from counts and unit costs, not a profile.

let rewrite = ProcessInfo.processInfo.environment["TANDEM_BENCH_REWRITE"] == "1"

/// User + system CPU time of the whole process, in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// CPU time of the calling thread, in nanoseconds.
func threadCPUNanos() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

struct ShareRun {
    var seconds: Double
    var cpuSeconds: Double
    var updates: Int
    var signs: Int
    var verifies: Int
    var signingBytes: [Int]
    /// The signing bytes of the batch of median size.
    var medianBatch: DeltaBatch
}

/// Paces A at `updatesPerSecond` for `seconds` and measures the window.
func pacedRun(seconds: Int, updatesPerSecond: Int, recordsPerCall: Int) async throws -> ShareRun {
    let pair = try await Pair.start()
    let updatesPerCall = recordsPerCall * fieldsPerRecord
    let callsPerSecond = updatesPerSecond / updatesPerCall
    let intervalNanos = 1_000_000_000 / callsPerSecond
    let calls = seconds * callsPerSecond
    var rng = SeededGenerator(seed: 11)
    let payloads: [[String: [String: Value]]] = (0..<calls).map { call in
        var records: [String: [String: Value]] = [:]
        for slot in 0..<recordsPerCall {
            var fields: [String: Value] = [:]
            for field in 0..<fieldsPerRecord { fields["field\(field)"] = .string(randomWord(&rng)) }
            // New records by default (as in the throughput runs); with
            // TANDEM_BENCH_REWRITE=1, the calls cycle over 10,000 records,
            // so after the first two seconds every write overwrites fields.
            let index = call * recordsPerCall + slot
            records["customer-\(rewrite ? index % recordCount : index)"] = fields
        }
        return records
    }
    let clock = ContinuousClock()
    let cpuStart = processCPUSeconds()
    let start = monotonicNanos()
    let origin = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for call in 0..<calls {
            try await clock.sleep(until: origin + .nanoseconds(call * intervalNanos))
            let records = payloads[call]
            group.addTask {
                if records.count == 1, let only = records.first {
                    try await pair.a.write(collection: "customers", record: only.key, fields: only.value)
                } else {
                    try await pair.a.write(collection: "customers", records: records)
                }
            }
        }
        try await group.waitForAll()
    }
    try await pair.waitForArrivals(pair.a.metrics.localBatches)
    let elapsed = Double(monotonicNanos() - start) / 1e9
    let cpu = processCPUSeconds() - cpuStart
    let metricsA = pair.a.metrics
    let metricsB = pair.b.metrics
    if metricsB.totalRejections != 0 || metricsB.storeFailures != 0 { fatalError("B refused or failed: \(metricsB)") }
    if verbose { print("  A: \(metricsA)\n  B: \(metricsB)") }
    let batches = try pair.a.store.batches(missingFrom: BatchVector(), limit: .max)
    guard !batches.isEmpty else { fatalError("A's log is empty") }
    let sorted = batches.sorted { $0.signingBytes.count < $1.signingBytes.count }
    try await pair.stop()
    return ShareRun(
        seconds: elapsed, cpuSeconds: cpu, updates: calls * updatesPerCall,
        signs: metricsA.localBatches,
        verifies: metricsB.appliedBatches + metricsB.reconciledChunks + metricsA.appliedBatches + metricsA.reconciledChunks,
        signingBytes: sorted.map(\.signingBytes.count), medianBatch: sorted[sorted.count / 2])
}

/// Thread CPU nanoseconds per Ed25519 sign and verify of `batch`'s signing
/// bytes (median of 5 rounds of `count` operations).
func signatureCosts(_ batch: DeltaBatch, count: Int = 2_000) -> (sign: Double, verify: Double) {
    let message = batch.signingBytes
    let signature = Keys.a.sign(message)
    var signs: [Double] = []
    var verifies: [Double] = []
    var valid = 0
    for _ in 0..<5 {
        var begin = threadCPUNanos()
        for _ in 0..<count { valid &+= Keys.a.sign(message).count }
        signs.append(Double(threadCPUNanos() - begin) / Double(count))
        begin = threadCPUNanos()
        for _ in 0..<count where SignatureVerifier.verify(signature: signature, message: message, signer: Keys.a.nodeID) { valid &+= 1 }
        verifies.append(Double(threadCPUNanos() - begin) / Double(count))
    }
    guard valid == 5 * count * (signature.count + 1) else { fatalError("a signature did not verify") }
    return (Summary(signs).median, Summary(verifies).median)
}

func signatureShare(seconds: Int, updatesPerSecond: Int, recordsPerCall: Int) async throws {
    let shape = "\(recordsPerCall) record(s) x \(fieldsPerRecord) fields per write call, \(updatesPerSecond / (recordsPerCall * fieldsPerRecord)) calls/s"
    _ = try await pacedRun(seconds: 2, updatesPerSecond: updatesPerSecond, recordsPerCall: recordsPerCall)
    var shares: [Double] = []
    var cpuShares: [Double] = []
    var rates: [Double] = []
    var batchRates: [Double] = []
    var perBatch: [Double] = []
    var signCosts: [Double] = []
    var verifyCosts: [Double] = []
    for _ in 0..<runs {
        let run = try await pacedRun(seconds: seconds, updatesPerSecond: updatesPerSecond, recordsPerCall: recordsPerCall)
        let cost = signatureCosts(run.medianBatch)
        let signatureSeconds = (Double(run.signs) * cost.sign + Double(run.verifies) * cost.verify) / 1e9
        let share = signatureSeconds / run.cpuSeconds
        shares.append(share * 100)
        cpuShares.append(run.cpuSeconds / run.seconds * 100)
        rates.append(Double(run.updates) / run.seconds)
        batchRates.append(Double(run.signs) / run.seconds)
        perBatch.append(Double(run.updates) / Double(run.signs))
        signCosts.append(cost.sign / 1e3)
        verifyCosts.append(cost.verify / 1e3)
        let sizes = run.signingBytes
        print(String(format: "  run: %d updates in %.2f s (%.0f /s); %d batches signed, %d verified (%.0f batches/s, %.1f updates/batch); signing bytes median %d [%d-%d]; sign %.1f us, verify %.1f us; process CPU %.2f s (%.0f%% of one core); signatures %.3f s = %.2f%%",
                     run.updates, run.seconds, rates.last ?? 0, run.signs, run.verifies, batchRates.last ?? 0, perBatch.last ?? 0,
                     sizes[sizes.count / 2], sizes.first ?? 0, sizes.last ?? 0, cost.sign / 1e3, cost.verify / 1e3,
                     run.cpuSeconds, cpuShares.last ?? 0, signatureSeconds, share * 100))
    }
    print("signature CPU share at \(updatesPerSecond) updates/s for \(seconds) s, \(shape): \(Summary(shares).formatted("%.2f")) %"
          + " (achieved \(Summary(rates)) updates/s; \(Summary(batchRates).formatted("%.0f")) batches/s; \(Summary(perBatch).formatted("%.1f")) updates/batch;"
          + " sign \(Summary(signCosts).formatted("%.1f")) us, verify \(Summary(verifyCosts).formatted("%.1f")) us; process CPU \(Summary(cpuShares).formatted("%.0f")) % of one core)")
}
