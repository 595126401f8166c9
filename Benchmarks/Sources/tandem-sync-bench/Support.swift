import BenchmarkSupport
import Foundation
import Synchronization
import TandemCore
import TandemCrypto
import TandemNode
import TandemStore
import TandemSync

enum Keys {
    static let a = keyPair(0xA1)
    static let b = keyPair(0xB0)

    static func keyPair(_ byte: UInt8) -> NodeKeyPair {
        do {
            return try NodeKeyPair(seed: Array(repeating: byte, count: NodeKeyPair.seedByteCount))
        } catch {
            fatalError("key: \(error)")
        }
    }
}

/// When each of A's batches was committed at B (monotonic nanoseconds, by
/// sequence).
final class Arrivals: Sendable {
    private let state = Mutex<[UInt64: UInt64]>([:])

    func record(_ event: SyncEvent, origin: NodeID) {
        let batch: DeltaBatch
        switch event {
        case .applied(let applied, _): batch = applied
        case .committedLocally(let committed): batch = committed
        default: return
        }
        guard batch.origin == origin else { return }
        let now = monotonicNanos()
        state.withLock { $0[batch.sequence] = now }
    }

    var count: Int { state.withLock { $0.count } }
    var times: [UInt64: UInt64] { state.withLock { $0 } }
}

/// Two nodes over loopback TCP with SQLite stores in a fresh temporary
/// directory: A dials B; B records when A's batches commit.
struct Pair {
    let a: SyncNode
    let b: SyncNode
    let arrivals: Arrivals
    /// When A committed each of its batches (for diagnostics).
    let commits: Arrivals
    let directory: String

    static func start() async throws -> Pair {
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("tandem-sync-bench-\(UUID().uuidString)")
        let arrivals = Arrivals()
        let commits = Arrivals()
        let origin = Keys.a.nodeID
        var configB = SyncNodeConfiguration(identity: Keys.b, members: [Keys.a.nodeID])
        configB.observer = { arrivals.record($0, origin: origin) }
        let b = try SyncNode.open(configuration: configB, directory: (directory as NSString).appendingPathComponent("b"))
        try await b.start()
        guard let port = b.boundPort else { fatalError("B did not bind") }
        var configA = SyncNodeConfiguration(
            identity: Keys.a, peers: [PeerAddress(node: Keys.b.nodeID, host: "127.0.0.1", port: port)])
        configA.observer = { commits.record($0, origin: origin) }
        if let delay = ProcessInfo.processInfo.environment["TANDEM_BENCH_GROUP_DELAY_MS"].flatMap({ Int64($0) }) {
            configA.groupCommitDelayMillis = delay
        }
        let a = try SyncNode.open(configuration: configA, directory: (directory as NSString).appendingPathComponent("a"))
        try await a.start()
        while a.connectedPeers.isEmpty || b.connectedPeers.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        return Pair(a: a, b: b, arrivals: arrivals, commits: commits, directory: directory)
    }

    /// Waits until B has committed `count` of A's batches; after a minute,
    /// reports both nodes' state and stops the process.
    func waitForArrivals(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while arrivals.count < count {
            if ContinuousClock.now > deadline {
                let heldA = try a.store.summary().batches
                let heldB = try b.store.summary().batches
                fatalError("B holds \(arrivals.count) of \(count) batches after 60 s.\nA: \(a.metrics)\nB: \(b.metrics)\nA holds \(heldA)\nB holds \(heldB)\npeers A \(a.connectedPeers) B \(b.connectedPeers)")
            }
            try await Task.sleep(for: .microseconds(500))
        }
    }

    /// What the run wasted: redundant receptions, messages dropped,
    /// sessions closed for not reading, and sessions opened (1 each when
    /// the connection never broke).
    var waste: String {
        let (ma, mb) = (a.metrics, b.metrics)
        return "duplicates received A \(ma.duplicates) B \(mb.duplicates); sends dropped A \(ma.sendsDropped) B \(mb.sendsDropped); "
            + "closed for not reading A \(ma.peersNotReading) B \(mb.peersNotReading); sessions opened A \(ma.sessionsOpened) B \(mb.sessionsOpened)"
    }

    func stop() async throws {
        try await a.shutdown()
        try await b.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
