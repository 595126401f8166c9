import Benchmark
import TandemCore
import TandemCrypto

// Ed25519 signing and verification of delta batches per payload size
// (`swift package benchmark --target CryptoBenchmarks` in Benchmarks/).

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput], maxDuration: .seconds(3), maxIterations: 10_000)

    for size in [200, 4_096, 65_536, 1_048_576] {
        Benchmark("Ed25519 sign, batch of \(size) bytes") { benchmark in
            guard let keys = try? NodeKeyPair.generate() else { fatalError("no key pair") }
            let batch = DeltaBatch(
                origin: keys.nodeID, sequence: 1, collection: "customers",
                payload: [UInt8](repeating: 0x5A, count: size))
            let message = batch.signingBytes
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(keys.sign(message)) }
        }
        Benchmark("Ed25519 verify, batch of \(size) bytes") { benchmark in
            guard let keys = try? NodeKeyPair.generate() else { fatalError("no key pair") }
            let batch = DeltaBatch(
                origin: keys.nodeID, sequence: 1, collection: "customers",
                payload: [UInt8](repeating: 0x5A, count: size))
            let message = batch.signingBytes
            let signature = keys.sign(message)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(SignatureVerifier.verify(signature: signature, message: message, signer: keys.nodeID))
            }
        }
    }
}
