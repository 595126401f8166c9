// SyncDriver: carrying out parity checks against peers (docs/protocol.md, "Parity check against a peer").
import TandemCore
import TandemStore

/// What a driver counts of one parity check it runs: the figures the
/// machine does not see (bytes, records).
struct ParityTally {
    var bytes = 0
    var compared: UInt64 = 0
    var repaired: UInt64 = 0

    /// A check a peer runs against this node: records joined from it since
    /// the check began, reported in every reply.
    struct Served {
        var check: UInt64
        var repaired: UInt64 = 0
    }
}

extension SyncDriver {
    /// Carries out a parity action; returns the actions its result leads to.
    mutating func performParity(_ action: SyncAction, now: UInt64) throws(StoreError) -> [SyncAction] {
        switch action {
        case .sendParityRequest(let check, let peer):
            let leaves = try leafDigests(of: try store.collections())
            let roots = ReconciliationStep.roots(leaves)
            let held = machine.held
            if parityTallies[peer] == nil { parityTallies[peer] = ParityTally() }
            parityTallies[peer]?.compared = roots.reduce(0) { $0 &+ $1.count }
            send(.parityRequest(check: check, held: held, collections: roots), to: peer)
            return machine.handle(.parityRequestSent(to: peer, check: check, held: held, roots: roots), now: now)
        case .answerParity(let check, let held, let roots, let peer, let peerIsStateSource):
            if parityServed[peer]?.check != check { parityServed[peer] = ParityTally.Served(check: check) }
            // In a fixed order: the simulator replays a seed exactly.
            let names = Set(try store.collections()).union(roots.map(\.collection)).sorted()
            let steps = ReconciliationStep.parityRequest(
                check: check, held: held, theirs: roots, ourLeaves: try leafDigests(of: names), ourHeld: machine.held,
                repaired: parityServed[peer]?.repaired ?? 0, peerIsStateSource: peerIsStateSource)
            return try perform(steps, from: peer, now: now)
        case .drillDown(let collections, let peer):
            return try perform(ReconciliationStep.drillDown(collections, ourLeaves: try leafDigests(of: collections)),
                               from: peer, now: now)
        case .parityCheckFinished(let result):
            let tally = parityTallies.removeValue(forKey: result.peer) ?? ParityTally()
            shell.observe(.peerParityChecked(PeerParityReport(
                peer: result.peer, outcome: result.outcome, recordsCompared: tally.compared, repairedHere: tally.repaired,
                repairedOnPeer: result.repairedOnPeer, bytesExchanged: tally.bytes,
                durationMillis: result.finishedAt &- result.startedAt, comparisons: result.comparisons)))
        default:
            break
        }
        return []
    }

    private func leafDigests(of collections: [String]) throws(StoreError) -> [String: [UInt16: (count: UInt64, digest: UInt64)]] {
        var leaves: [String: [UInt16: (count: UInt64, digest: UInt64)]] = [:]
        for name in collections { leaves[name] = try store.leafDigests(name) }
        return leaves
    }

    /// Encodes and sends `message`, counting its bytes towards a parity
    /// check running against `peer`.
    mutating func send(_ message: SyncMessage, to peer: NodeID) {
        let bytes = message.encoded()
        countParityBytes(of: message, bytes.count, peer: peer)
        shell.send(bytes, to: peer)
    }

    /// Counts a parity or digest message exchanged with `peer` while a
    /// check against it runs (records chunks sent are counted where they
    /// are sent).
    mutating func countParityBytes(of message: SyncMessage, _ count: Int, peer: NodeID) {
        guard parityTallies[peer] != nil else { return }
        switch message {
        case .parityRequest, .parityReply, .bucketDigests, .records: parityTallies[peer]?.bytes += count
        case .summary, .batches, .stateDigest, .summaryDelta, .prune, .graft: break
        }
    }

    /// Counts the records a reconciliation join from `peer` changed, for a
    /// check this node runs against it and for one it answers.
    mutating func countRepaired(_ report: ApplyReport, from peer: NodeID) {
        let changed = UInt64(Set(report.changedRecords).union(report.removedRecords).count)
        parityTallies[peer]?.repaired += changed
        parityServed[peer]?.repaired += changed
    }
}
