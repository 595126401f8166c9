import Benchmark
import BenchmarkSupport
import TandemCore

// package-benchmark suite for the pure core (`swift package benchmark` in
// Benchmarks/): register and set joins, and the 100,000-update delta's
// encode, decode and import. The figures in docs/PERFORMANCE.md come from
// the plain executables (tandem-core-bench, tandem-peers-bench); this suite
// adds package-benchmark's statistics, malloc counts and thresholds.

private let nodeA = NodeID(words: 0xA, 0, 0, 1)
private let nodeB = NodeID(words: 0xB, 0, 0, 2)

/// 10,000 records of 10 string fields written by `node`: the replica and
/// the one delta holding every write.
private func workload(node: NodeID, seed: UInt64) -> (replica: RecordCollection, delta: RecordCollection) {
    var rng = SeededGenerator(seed: seed)
    var clock = HybridLogicalClock()
    var replica = RecordCollection()
    var delta = RecordCollection()
    let names = (0..<10).map { "field\($0)" }
    do {
        for record in 0..<10_000 {
            let fields = names.map { ($0, Value.string(peerWorkloadText(&rng))) }
            let timestamp = clock.tick(now: 1_700_000_000_000 + UInt64(record / 100))
            delta.join(try replica.update("record-\(record)", fields: fields, by: node, at: timestamp))
        }
    } catch {
        fatalError("workload rejected: \(error)")
    }
    return (replica, delta)
}

private func registers(count: Int, node: NodeID, seed: UInt64) -> [LWWRegister] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { index in
        var register = LWWRegister()
        let timestamp = HLCTimestamp(rawValue: UInt64(1_700_000_000_000 + index) << 16)
        register.write(.string(peerWorkloadText(&rng)), dot: Dot(node: node, counter: UInt64(index + 1)), timestamp: timestamp)
        return register
    }
}

private func sets(count: Int, node: NodeID, seed: UInt64) -> [AWORSet] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { index in
        var set = AWORSet()
        for element in 0..<4 {
            set.add(.string(peerWorkloadText(&rng)), dot: Dot(node: node, counter: UInt64(index * 4 + element + 1)))
        }
        return set
    }
}

/// Times joining `right[i]` into a copy of `left[i]` for every pair.
private func joinPairs<State: Lattice>(_ left: [State], _ right: [State], _ benchmark: Benchmark) {
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
        for index in left.indices {
            var joined = left[index]
            joined.join(right[index])
            blackHole(joined)
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        maxDuration: .seconds(5), maxIterations: 50)

    Benchmark("Field-register join (1,000 concurrent pairs)") { benchmark in
        joinPairs(registers(count: 1_000, node: nodeA, seed: 1), registers(count: 1_000, node: nodeB, seed: 2), benchmark)
    }

    Benchmark("OR-set join (1,000 concurrent pairs of 4 elements)") { benchmark in
        joinPairs(sets(count: 1_000, node: nodeA, seed: 3), sets(count: 1_000, node: nodeB, seed: 4), benchmark)
    }

    Benchmark("Delta encode (100,000 updates)") { benchmark in
        let delta = workload(node: nodeA, seed: 5).delta
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(delta.encoded()) }
    }

    Benchmark("Delta decode (100,000 updates)") { benchmark in
        let bytes = workload(node: nodeA, seed: 5).delta.encoded()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            do { blackHole(try RecordCollection(decoding: bytes)) } catch { fatalError("\(error)") }
        }
    }

    Benchmark("Delta import into an empty replica (decode + join, 100,000 updates)") { benchmark in
        let bytes = workload(node: nodeA, seed: 5).delta.encoded()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var replica = RecordCollection()
            do { replica.join(try RecordCollection(decoding: bytes)) } catch { fatalError("\(error)") }
            blackHole(replica)
        }
    }

    Benchmark("Collection merge (two concurrent 100,000-field replicas)") { benchmark in
        let a = workload(node: nodeA, seed: 6).replica
        let b = workload(node: nodeB, seed: 7).replica
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var merged = b
            merged.join(a)
            blackHole(merged)
        }
    }
}
