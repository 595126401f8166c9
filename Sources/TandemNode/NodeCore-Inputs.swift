import NIOCore
import TandemCore
import TandemStore
import TandemSync

/// The driver's input queue: every input reaches the driver through `feed`, one at a time.
extension NodeCore {
    /// Queues `input` and, unless the driver is already running, feeds the
    /// queue to it until empty, then flushes what it wrote.
    func feed(_ input: NodeInput) {
        guard running, driver != nil else {
            fail(input)
            return
        }
        inputs.append(input)
        guard !draining else { return }
        draining = true
        while let next = inputs.popFirst() { process(next) }
        draining = false
        flushWritten()
    }

    private func process(_ input: NodeInput) {
        guard driver != nil else {
            fail(input)
            return
        }
        let now = configuration.clock()
        switch input {
        case .start:
            directPeers = Set(configuration.peers.map(\.node))
            lastCompaction = now
            driver?.start(now: now)
        case .connected(let peer):
            directPeers.insert(peer)
            driver?.handle(.peerConnected(peer), now: now)
        case .disconnected(let peer):
            driver?.handle(.peerDisconnected(peer), now: now)
        case .received(let messages, let peer):
            driver?.receive(messages, from: peer, now: now)
        case .timerFired:
            driver?.handle(.timerFired, now: now)
            // With no direct peer yet, nobody has acknowledged anything.
            if let policy = configuration.compaction, !directPeers.isEmpty, policy.isDue(lastRun: lastCompaction, now: now) {
                lastCompaction = now
                do {
                    let removed = try driver?.compactLog(policy, peers: directPeers.sorted(), now: now) ?? 0
                    metrics.update {
                        $0.compactionRuns += 1
                        $0.batchesCompacted += removed
                    }
                } catch {
                    metrics.update { $0.storeFailures += 1 }
                }
            }
        case .local(let writes):
            commit(writes, now: now)
        case .checkParity(let peer, let timeout):
            driver?.handle(.checkParity(with: peer, timeoutMillis: timeout), now: now)
        }
    }

    func fail(_ input: NodeInput) {
        switch input {
        case .local(let writes):
            for write in writes { write.promise.fail(NodeError.notRunning) }
        case .checkParity(let peer, _):
            for waiter in parityWaiters.removeValue(forKey: peer) ?? [] { waiter.fail(NodeError.notRunning) }
        default:
            break
        }
    }
}
