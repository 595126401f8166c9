// SyncMachine: parity checks of this node's records against a peer's (docs/protocol.md, "Parity check against a peer").

extension SyncMachine {
    /// Whether a parity check against `peer` is running.
    public func parityCheckRunning(with peer: NodeID) -> Bool { parityChecks[peer] != nil }

    /// Starts a check against `peer`, unless one is running (its report
    /// will come). An unconnected peer is reported unreachable at once.
    mutating func startParityCheck(with peer: NodeID, timeoutMillis: UInt64, now: UInt64, into actions: inout [SyncAction]) {
        guard parityChecks[peer] == nil else { return }
        lastParityCheck += 1
        let check = PeerParityCheck(check: lastParityCheck, startedAt: now, deadline: now &+ timeoutMillis)
        guard peers[peer] != nil else {
            actions.append(.parityCheckFinished(result(of: check, peer: peer, .unreachable, now: now)))
            return
        }
        parityChecks[peer] = check
        requestParity(from: peer, now: now, into: &actions)
    }

    private mutating func requestParity(from peer: NodeID, now: UInt64, into actions: inout [SyncAction]) {
        guard var check = parityChecks[peer] else { return }
        check.awaitingReply = true
        check.lastRequestAt = now
        // Filled in by `parityRequestSent`, with what the shell read.
        check.requestHeld = held
        check.requestRoots = []
        parityChecks[peer] = check
        actions.append(.sendParityRequest(check: check.check, to: peer))
    }

    /// A peer's answer. It counts only when it answers the outstanding
    /// request and the peer held exactly the batches this node held when
    /// it asked: otherwise batches were in flight and the roots say
    /// nothing; the next round asks again.
    mutating func receiveParityReply(
        check number: UInt64, held theirs: BatchVector, roots: [CollectionRoot], repaired: UInt64, drilling: Bool,
        from peer: NodeID, now: UInt64, into actions: inout [SyncAction]
    ) {
        guard var check = parityChecks[peer], check.check == number, check.awaitingReply else {
            // A late answer to an earlier request is harmless; an answer to
            // a check never started is not.
            if number > lastParityCheck || number == 0 {
                reject(.unexpectedParityReply(check: number), from: peer, into: &actions)
            }
            return
        }
        check.awaitingReply = false
        check.repairedOnPeer = max(check.repairedOnPeer, repaired)
        parityChecks[peer] = check
        guard theirs == check.requestHeld else { return }
        check.comparisons += 1
        let differing = CollectionRoot.differing(check.requestRoots, roots)
        guard !differing.isEmpty else {
            parityChecks[peer] = check
            finishParityCheck(with: peer, check.sawDifference ? .repaired : .inSync, now: now, into: &actions)
            return
        }
        check.sawDifference = true
        check.differing = differing
        // Records travel only to a node that takes them: the peer drills
        // down when it takes ours; this node asks when it takes the peer's.
        let takesTheirs = acceptsState(from: peer)
        check.repairable = drilling || takesTheirs
        parityChecks[peer] = check
        guard check.repairable else {
            finishParityCheck(with: peer, .differencesRemain(collections: differing, repairable: false), now: now, into: &actions)
            return
        }
        if !drilling { actions.append(.drillDown(collections: differing, to: peer)) }
    }

    /// Every timer tick: a check past its deadline ends; otherwise a new
    /// request goes out a summary interval after the last answer (or a
    /// resend interval after an unanswered request).
    mutating func parityTick(now: UInt64, into actions: inout [SyncAction]) {
        for peer in parityChecks.keys.sorted() {
            guard let check = parityChecks[peer] else { continue }
            if now >= check.deadline {
                let outcome: PeerParityOutcome = check.sawDifference
                    ? .differencesRemain(collections: check.differing, repairable: check.repairable) : .timedOut
                finishParityCheck(with: peer, outcome, now: now, into: &actions)
                continue
            }
            let wait = check.awaitingReply ? configuration.resendAfterMillis : configuration.summaryIntervalMillis
            if now &- check.lastRequestAt >= wait { requestParity(from: peer, now: now, into: &actions) }
        }
    }

    mutating func finishParityCheck(with peer: NodeID, _ outcome: PeerParityOutcome, now: UInt64, into actions: inout [SyncAction]) {
        guard let check = parityChecks.removeValue(forKey: peer) else { return }
        actions.append(.parityCheckFinished(result(of: check, peer: peer, outcome, now: now)))
    }

    private func result(of check: PeerParityCheck, peer: NodeID, _ outcome: PeerParityOutcome, now: UInt64) -> PeerParityResult {
        PeerParityResult(
            peer: peer, check: check.check, outcome: outcome, startedAt: check.startedAt, finishedAt: now,
            comparisons: check.comparisons, repairedOnPeer: check.repairedOnPeer)
    }
}
