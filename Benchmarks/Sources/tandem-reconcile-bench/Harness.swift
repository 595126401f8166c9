import BenchmarkSupport
import Foundation
import TandemCore
import TandemCrypto
import TandemStore
import TandemSync

/// A shell that queues every send and ignores timers: the harness decides
/// what is delivered when. Refusals and store failures are kept, so a run
/// that was not clean is reported rather than measured.
final class QueueShell: SyncShell {
    var outbox: [(to: NodeID, bytes: [UInt8])] = []
    var failures: [String] = []
    var parityReports: [PeerParityReport] = []
    /// The latest catch-up report (`SyncEvent.catchingUp`).
    var catchUp: CatchUpProgress?

    func send(_ bytes: [UInt8], to peer: NodeID) { outbox.append((peer, bytes)) }
    func scheduleTimer(afterMillis millis: UInt64) {}
    func observe(_ event: SyncEvent) {
        switch event {
        case .rejected(let rejection, let peer): failures.append("rejected from \(peer.hex): \(rejection)")
        case .storeFailed(let error): failures.append("store failed: \(error)")
        case .peerParityChecked(let report): parityReports.append(report)
        case .catchingUp(let progress): catchUp = progress
        default: break
        }
    }
}

/// Every message's encoded bytes, by kind and by direction.
struct Traffic {
    /// The message kinds by tag (docs/protocol.md, "Sync messages").
    static let kinds = ["summary", "batches", "stateDigest", "bucketDigests", "records", "parityRequest", "parityReply"]

    var bytes: [String: Int] = [:]
    var messages: [String: Int] = [:]
    var aToB = 0
    var bToA = 0

    var total: Int { aToB + bToA }
    var messageCount: Int { messages.values.reduce(0, +) }

    /// The kind of an encoded sync message: its tag follows the 6-byte
    /// header (magic, version, kind).
    static func kind(of bytes: [UInt8]) -> String {
        guard bytes.count > 6, (1...kinds.count).contains(Int(bytes[6])) else { return "unknown" }
        return kinds[Int(bytes[6]) - 1]
    }

    mutating func count(_ message: [UInt8], fromA: Bool) {
        let kind = Self.kind(of: message)
        bytes[kind, default: 0] += message.count
        messages[kind, default: 0] += 1
        if fromA { aToB += message.count } else { bToA += message.count }
    }

    var breakdown: String {
        Self.kinds.compactMap { kind in
            messages[kind].map { "\(kind) \($0) msg \(bytes[kind] ?? 0) B" }
        }.joined(separator: ", ")
    }
}

/// A driver with real Ed25519 signing and verification.
func makeDriver(_ store: any ReplicaStore, key: NodeKeyPair, trusted: Set<NodeID>) throws -> SyncDriver<QueueShell> {
    // The two replicas reconcile, so each takes the other's state.
    var configuration = SyncConfiguration(trustedOrigins: trusted)
    configuration.stateSources = trusted
    return try SyncDriver(
        store: store, shell: QueueShell(), configuration: configuration,
        sign: { key.sign($0) },
        verify: { SignatureVerifier.verify(signature: $0.signature, message: $0.signingBytes, signer: $0.origin) },
        verifyRecords: { chunk, peer in SignatureVerifier.verify(signature: chunk.signature, message: chunk.signingBytes, signer: peer) })
}

/// Two drivers joined by one FIFO link each way, delivered in turn until
/// nothing is in flight; time is virtual (milliseconds, advanced by hand).
struct Link {
    var a: SyncDriver<QueueShell>
    var b: SyncDriver<QueueShell>
    var toA: [[UInt8]] = []
    var toB: [[UInt8]] = []
    var traffic = Traffic()
    var now: UInt64

    init(a storeA: any ReplicaStore, keyA: NodeKeyPair, b storeB: any ReplicaStore, keyB: NodeKeyPair, now: UInt64) throws {
        let trusted: Set<NodeID> = [keyA.nodeID, keyB.nodeID]
        a = try makeDriver(storeA, key: keyA, trusted: trusted)
        b = try makeDriver(storeB, key: keyB, trusted: trusted)
        self.now = now
    }

    /// Moves both outboxes onto the links, counting every message.
    mutating func collect() {
        for (to, bytes) in a.shell.outbox where to == b.node {
            traffic.count(bytes, fromA: true)
            toB.append(bytes)
        }
        a.shell.outbox.removeAll()
        for (to, bytes) in b.shell.outbox where to == a.node {
            traffic.count(bytes, fromA: false)
            toA.append(bytes)
        }
        b.shell.outbox.removeAll()
    }

    mutating func connect() {
        a.handle(.peerConnected(b.node), now: now)
        b.handle(.peerConnected(a.node), now: now)
        collect()
    }

    /// Delivers, one message each way in turn, until both links are empty.
    mutating func settle() {
        var nextToA = 0
        var nextToB = 0
        while nextToA < toA.count || nextToB < toB.count {
            if nextToB < toB.count {
                let bytes = toB[nextToB]
                nextToB += 1
                now += 1
                b.receive(bytes, from: a.node, now: now)
                collect()
            }
            if nextToA < toA.count {
                let bytes = toA[nextToA]
                nextToA += 1
                now += 1
                a.receive(bytes, from: b.node, now: now)
                collect()
            }
        }
        toA.removeAll()
        toB.removeAll()
    }

    /// Fires both timers `millis` later (summaries, keep-alives, resends).
    mutating func advance(_ millis: UInt64) {
        now += millis
        a.handle(.timerFired, now: now)
        b.handle(.timerFired, now: now)
        collect()
    }

    /// Whether B holds every batch A holds.
    var bCaughtUp: Bool {
        var missing = a.machine.held
        missing.subtract(b.machine.held)
        return missing.held.isEmpty
    }

    var failures: [String] { a.shell.failures + b.shell.failures }
}

/// What one reconciliation run measured.
struct RunResult {
    var traffic: Traffic
    var seconds: Double
    var timerRounds: Int
    var chunks: Int
    /// The parity check A ran against B once they were equal: its traffic,
    /// its report and its wall time.
    var parity: (traffic: Traffic, report: PeerParityReport, seconds: Double)
}

/// Connects A and B, delivers until quiescent, and fires summary rounds
/// (virtual time, 1,001 ms apart) until B has adopted A's batch vector.
/// Counts every message both ways from the connection on.
func reconcile(a storeA: any ReplicaStore, keyA: NodeKeyPair, b storeB: any ReplicaStore, keyB: NodeKeyPair, now: UInt64) throws -> RunResult {
    let start = monotonicNanos()
    var link = try Link(a: storeA, keyA: keyA, b: storeB, keyB: keyB, now: now)
    link.connect()
    link.settle()
    var rounds = 0
    while !link.bCaughtUp {
        guard rounds < 30 else { fatalError("B has not caught up after \(rounds) summary rounds: \(link.traffic.breakdown)") }
        link.advance(1_001)
        link.settle()
        rounds += 1
    }
    let seconds = Double(monotonicNanos() - start) / 1e9
    guard link.failures.isEmpty else { fatalError("the run was not clean: \(link.failures.prefix(5))") }
    let chunks = link.a.machine.counters.recordsChunksReceived + link.b.machine.counters.recordsChunksReceived
    let traffic = link.traffic
    return RunResult(traffic: traffic, seconds: seconds, timerRounds: rounds, chunks: chunks, parity: try checkParity(&link))
}

/// A parity check from A against B (`SyncInput.checkParity`), now that
/// both hold the same batches and records: every message of the check is
/// counted, from the request to the outcome.
func checkParity(_ link: inout Link) throws -> (traffic: Traffic, report: PeerParityReport, seconds: Double) {
    let start = monotonicNanos()
    link.traffic = Traffic()
    link.a.handle(.checkParity(with: link.b.node, timeoutMillis: 60_000), now: link.now)
    link.collect()
    link.settle()
    var rounds = 0
    while link.a.shell.parityReports.isEmpty {
        guard rounds < 70 else { fatalError("the parity check has not ended after \(rounds) rounds") }
        link.advance(1_001)
        link.settle()
        rounds += 1
    }
    let seconds = Double(monotonicNanos() - start) / 1e9
    guard let report = link.a.shell.parityReports.last, report.outcome == .inSync, link.failures.isEmpty else {
        fatalError("the parity check of equal replicas was not clean: \(link.a.shell.parityReports), \(link.failures.prefix(5))")
    }
    return (link.traffic, report, seconds)
}

/// Count and digest of all of a store's records (from its leaf digests).
func rootDigest(_ store: any ReplicaStore, _ collection: String) throws -> (count: UInt64, digest: UInt64) {
    DigestReconciliation.root(fromLeaves: try store.leafDigests(collection))
}
