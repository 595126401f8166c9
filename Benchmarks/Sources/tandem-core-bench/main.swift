import BenchmarkSupport
import Foundation
import TandemCore

// Core benchmarks: release build, one thread, medians over several runs.
// Run with `make bench` (or `cd Benchmarks && swift run -c release tandem-core-bench`).

let runs = Int(ProcessInfo.processInfo.environment["TANDEM_BENCH_RUNS"] ?? "") ?? 7
print("tandem-core-bench: \(runs) runs each after a warm-up; median [min-max]")

// 1. Standalone LWW register joins: pairs of concurrent one-entry registers.
do {
    let pairs = 1_000
    let repetitions = 1_000
    var rng = SeededGenerator(seed: 1)
    var left: [LWWRegister] = []
    var right: [LWWRegister] = []
    for index in 0..<pairs {
        var a = LWWRegister()
        var b = LWWRegister()
        let t = HLCTimestamp(rawValue: UInt64(1_700_000_000_000 + index) << 16)
        a.write(.string(randomWord(&rng)), dot: Dot(node: BenchNodes.a, counter: UInt64(index + 1)), timestamp: t)
        b.write(.string(randomWord(&rng)), dot: Dot(node: BenchNodes.b, counter: UInt64(index + 1)), timestamp: t)
        left.append(a)
        right.append(b)
    }
    var sink = 0
    let sample = measure(runs: runs) {
        for _ in 0..<repetitions {
            for index in 0..<pairs {
                var joined = left[index]
                joined.join(right[index])
                sink &+= joined.state.store.entries.count
            }
        }
    }
    let joins = Double(pairs * repetitions)
    let summary = Summary(sample)
    print("lww-register-join: \(formatRate(joins / summary.median)) joins/s [\(formatRate(joins / summary.max))-\(formatRate(joins / summary.min))] (sink \(sink % 7))")
}

// 2. Field-register joins inside a collection join: two concurrent
//    100,000-field states (10,000 records x 10 fields) merged.
let (replicaA, deltaA) = writeWorkload(node: BenchNodes.a, records: 10_000, fieldsPerRecord: 10, startMillis: 1_700_000_000_000, seed: 2)
let (replicaB, _) = writeWorkload(node: BenchNodes.b, records: 10_000, fieldsPerRecord: 10, startMillis: 1_700_000_000_000, seed: 3)
do {
    let registers = Double(replicaA.registerEntryCount)
    let sample = measure(runs: runs) {
        var merged = replicaB
        merged.join(replicaA)
        precondition(merged.registerEntryCount == 200_000)
    }
    let summary = Summary(sample)
    print("collection-join: \(formatRate(registers / summary.median)) field-register joins/s [\(formatRate(registers / summary.max))-\(formatRate(registers / summary.min))], \(String(format: "%.1f", summary.median * 1000)) ms per 100,000-field merge")
}

// 3. A 100,000-update delta: encode, decode, join into an empty replica.
do {
    let updates = Double(deltaA.registerEntryCount)
    var bytes: [UInt8] = []
    let encodeSample = measure(runs: runs) { bytes = deltaA.encoded() }
    // Every decoded collection is kept until the runs are over, so freeing
    // the previous run's result is not timed as part of a decode.
    var decodedRuns: [RecordCollection] = []
    decodedRuns.reserveCapacity(runs + 1)
    let decodeSample = measure(runs: runs) {
        do { decodedRuns.append(try RecordCollection(decoding: bytes)) } catch { fatalError("\(error)") }
    }
    let decoded = decodedRuns[0]
    decodedRuns.removeAll()
    precondition(decoded == deltaA)
    let joinSample = measure(runs: runs) {
        var replica = RecordCollection()
        replica.join(decoded)
        precondition(replica.count == 10_000)
    }
    let total = measure(runs: runs) {
        let wire = deltaA.encoded()
        do {
            let received = try RecordCollection(decoding: wire)
            var replica = RecordCollection()
            replica.join(received)
            precondition(replica == replicaA)
        } catch {
            fatalError("\(error)")
        }
    }
    let e = Summary(encodeSample), d = Summary(decodeSample), j = Summary(joinSample), t = Summary(total)
    print("delta-100k: \(bytes.count) bytes (\(String(format: "%.1f", Double(bytes.count) / updates)) bytes/update)")
    print("delta-100k encode: \(String(format: "%.1f", e.median * 1000)) ms, decode: \(String(format: "%.1f", d.median * 1000)) ms, join into empty: \(String(format: "%.1f", j.median * 1000)) ms")
    print("delta-100k encode+decode+join: \(formatRate(updates / t.median)) updates/s [\(formatRate(updates / t.max))-\(formatRate(updates / t.min))]")
}
