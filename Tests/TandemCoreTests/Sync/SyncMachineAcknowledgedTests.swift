import TandemCore
import Testing

/// What the sync machine persists as acknowledged by a peer (the figure
/// `tandem status` shows as "deltas behind" and compaction waits for),
/// with two machines talking to each other through delta summaries (no
/// driver, store or socket): once they hold the same batches and the mesh
/// is quiet, each must have persisted the other as holding all of them.
@Suite struct SyncMachineAcknowledgedTests {
    let near = Fixture.a
    let far = Fixture.b
    let origin = Fixture.c
    let start: UInt64 = 1_700_000_000_000
    let interval: UInt64 = 1_000
    let resend: UInt64 = 5_000

    func machine(_ node: NodeID, held: BatchVector) -> SyncMachine {
        let configuration = SyncConfiguration(
            trustedOrigins: [near, far, origin], summaryIntervalMillis: interval, resendAfterMillis: resend)
        var machine = SyncMachine(
            node: node, configuration: configuration, held: held, compacted: BatchVector(),
            clock: HybridLogicalClock(), verify: { _ in true })
        _ = machine.start(now: start)
        return machine
    }

    /// `origin`'s batches 1...count, one field write each on one state.
    func batches(_ count: UInt64) throws -> [Dot: DeltaBatch] {
        var state = RecordCollection()
        var batches: [Dot: DeltaBatch] = [:]
        for sequence in 1...count {
            let delta = try state.set(
                "n", to: .int(Int64(sequence)), in: "r\(sequence)", by: origin,
                at: HLCTimestamp(physical: start, logical: UInt16(sequence)))
            batches[Dot(node: origin, counter: sequence)] = DeltaBatch(
                origin: origin, sequence: sequence, collection: "c", payload: delta.encoded())
        }
        return batches
    }

    /// Two machines and what each persisted as acknowledged by the other
    /// (the store keeps the union of what it is told);
    /// `run` carries out actions as a driver would, messages in order
    /// (one TCP session), the log read from `log`.
    struct Pair {
        var machines: [NodeID: SyncMachine]
        var acknowledged: [NodeID: BatchVector] = [:]
        let log: [Dot: DeltaBatch]

        mutating func handle(_ input: SyncInput, at node: NodeID, now: UInt64) {
            guard var machine = machines[node] else { return }
            let actions = machine.handle(input, now: now)
            machines[node] = machine
            run(actions, at: node, now: now)
        }

        /// Both see the session open, then their first summaries cross.
        mutating func connect(_ one: NodeID, _ other: NodeID, now: UInt64) {
            let fromOne = machines[one]?.handle(.peerConnected(other), now: now) ?? []
            let fromOther = machines[other]?.handle(.peerConnected(one), now: now) ?? []
            // One queue: what each sent on opening goes before its answers.
            run(fromOne.map { (one, $0) } + fromOther.map { (other, $0) }, now: now)
        }

        mutating func run(_ actions: [SyncAction], at node: NodeID, now: UInt64) {
            run(actions.map { (node, $0) }, now: now)
        }

        /// Carries out queued actions, each with the node that took it, in
        /// order; what they lead to joins the end of the queue.
        mutating func run(_ actions: [(NodeID, SyncAction)], now: UInt64) {
            var queue = actions
            while !queue.isEmpty {
                let (at, action) = queue.removeFirst()
                var follow: [SyncAction] = []
                var target = at
                switch action {
                case .send(let message, let peer):
                    target = peer
                    follow = machines[peer]?.handle(.received(message, from: at), now: now) ?? []
                case .sendFromLog(let ids, let peer, _):
                    target = peer
                    let sent = ids.compactMap { log[$0] }
                    follow = machines[peer]?.handle(.received(.batches(sent), from: at), now: now) ?? []
                case .apply(let batch, _, let source):
                    follow = machines[at]?.handle(.batchCommitted(batch, from: source, applied: true), now: now) ?? []
                case .persistAcknowledged(let vector, _):
                    acknowledged[at, default: BatchVector()].formUnion(vector)
                default:
                    break
                }
                queue += follow.map { (target, $0) }
            }
        }
    }

    /// A (re)connected session: the peer's first summary carries its whole
    /// vector, and arrives before the batches it then sends. The batches
    /// come after the summary that named them, and a quiet mesh sends no
    /// further content summary; what is persisted must still catch up.
    @Test func batchesThatArriveAfterTheSummaryNamingThemAreAcknowledgedOnceTheMeshIsQuiet() throws {
        let log = try batches(3)
        var farHeld = BatchVector()
        for id in log.keys { farHeld.insert(origin: id.node, sequence: id.counter) }
        var pair = Pair(
            machines: [near: machine(near, held: BatchVector()), far: machine(far, held: farHeld)], log: log)

        pair.connect(near, far, now: start)
        // Summary interval after summary interval, over several resend
        // periods: the mesh goes quiet.
        var now = start
        for _ in 0..<(4 * resend / interval) {
            now += interval
            pair.handle(.timerFired, at: near, now: now)
            pair.handle(.timerFired, at: far, now: now)
        }

        // Both hold the same batches ...
        let nearHeld = try #require(pair.machines[near]).held
        #expect(nearHeld == farHeld)
        // ... so the near node has recorded the far one as holding all of
        // them: no batch "behind" (the harness saw 3 stay so for 240 s).
        var behind = nearHeld
        behind.subtract(pair.acknowledged[near] ?? BatchVector())
        #expect(behind.held.dotCount == 0)
    }
}
