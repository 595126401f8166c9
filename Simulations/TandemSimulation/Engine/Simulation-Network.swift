import TandemCore
import TandemCrypto
import TandemStore
import TandemSync

/// The virtual network: connections follow partitions and crashes;
/// messages on a connection are delayed, and during the fault phase lost,
/// duplicated, reordered or held up.
extension Simulation {
    /// Opens or closes link `link` to match partitions and node liveness.
    /// Both ends' drivers are told, as a real transport would tell them.
    func refresh(_ link: Int) {
        let state = links[link]
        let wanted = nodes[state.a].isUp && nodes[state.b].isUp && state.cuts == 0
        guard wanted != state.connected else { return }
        links[link].connected = wanted
        links[link].inbox = [[], []]
        if wanted {
            links[link].epoch += 1
            links[link].lastArrival = [now, now]
            trace("link \(describeLink(link)) connects")
            for (node, peer) in [(state.a, state.b), (state.b, state.a)] {
                feed(.peerConnected(nodes[peer].id), to: node)
            }
        } else {
            trace("link \(describeLink(link)) disconnects")
            for (node, peer) in [(state.a, state.b), (state.b, state.a)] where nodes[node].isUp {
                feed(.peerDisconnected(nodes[peer].id), to: node)
            }
        }
    }

    /// Carries out what node `index`'s driver asked of its shell: sends,
    /// timers, and events to count.
    func drain(_ index: Int) {
        let shell = nodes[index].shell
        guard !shell.outbox.isEmpty || !shell.timers.isEmpty || !shell.events.isEmpty else { return }
        let outbox = shell.outbox
        let timers = shell.timers
        let events = shell.events
        shell.outbox.removeAll(keepingCapacity: true)
        shell.timers.removeAll(keepingCapacity: true)
        shell.events.removeAll(keepingCapacity: true)
        for event in events {
            observe(event, at: index)
            adapterObserve(event, at: index)
        }
        for kind in nodes[index].faults.drainFresh() { trace("n\(index): the injected failure hits one of its \(kind)") }
        for millis in timers {
            queue.schedule(.timer(node: index, incarnation: nodes[index].incarnation), at: now + millis)
        }
        for (peer, bytes) in outbox { transmit(bytes, from: index, to: peer) }
    }

    private func observe(_ event: SyncEvent, at index: Int) {
        switch event {
        case .rejected(let rejection, let peer):
            if peer == attacker.nodeID {
                metrics.attackRefusals += 1
                trace("n\(index) refuses the attacker's input: \(rejection)")
            } else {
                metrics.honestRejections += 1
                trace("n\(index) refuses input from \(nodeIndex[peer].map { "n\($0)" } ?? "\(peer)"): \(rejection)")
            }
        case .duplicate(let batch, let peer):
            if peer == attacker.nodeID {
                metrics.attackRefusals += 1
                trace("n\(index) drops the attacker's copy of \(name(batch)) (already held)")
            } else if let sender = nodeIndex[peer], takeNetworkCopy(NetworkCopy(receiver: index, sender: sender, batch: batch)) {
                metrics.networkDuplicateBatchesReceived += 1
                trace("n\(index) drops a copy of \(name(batch)) from n\(sender) that the network duplicated")
            } else {
                metrics.redundantBatchesReceived += 1
                trace("n\(index) drops a redundant copy of \(name(batch)) from \(nodeIndex[peer].map { "n\($0)" } ?? "\(peer)")")
            }
        case .heldForClockSkew(let batch, let drift):
            metrics.clockSkewHolds += 1
            trace("n\(index) holds \(name(batch)) for clock skew: \(drift.aheadMillis) ms ahead")
        case .recordsDeferredForClockSkew(let collection, let drift):
            metrics.clockSkewHolds += 1
            trace("n\(index) defers a records chunk of \(collection) for clock skew: \(drift.aheadMillis) ms ahead")
        case .deferred(let batch, let violation, let peer):
            if peer == attacker.nodeID {
                metrics.attackRefusals += 1
                trace("n\(index) does not apply the attacker's \(name(batch)): \(violation)")
            } else {
                metrics.causalDeferrals += 1
                trace("n\(index) defers \(name(batch)): \(violation)")
            }
        case .applied(let batch, _):
            metrics.batchesApplied += 1
            trace("n\(index) applies \(name(batch.id))")
        case .storeFailed(let error):
            metrics.storeFailures += 1
            trace("n\(index) store failure: \(error)")
        case .reconciled(let collection, let report):
            metrics.reconciledChunks += 1
            trace("n\(index) reconciles \(collection) by digest: \(report.changedRecords.count) records changed")
        default:
            break
        }
    }

    /// Whether a copy of a batch the network duplicated is still owed to
    /// `copy`'s receiver (and counts it taken).
    private func takeNetworkCopy(_ copy: NetworkCopy) -> Bool {
        guard let count = networkCopies[copy] else { return false }
        networkCopies[copy] = count > 1 ? count - 1 : nil
        return true
    }

    /// Puts bytes on the wire from node `from` to `peer`.
    func transmit(_ bytes: [UInt8], from: Int, to peer: NodeID) {
        if peer == attacker.nodeID { return }
        guard let to = nodeIndex[peer] else { return }
        let n = nodes.count
        let link = linkIndex[from * n + to]
        guard link >= 0, links[link].connected else {
            metrics.droppedWithConnection += 1
            return
        }
        let carriesBatches = MessageKind.carriesBatches(bytes)
        if config.trace { traceTree(bytes, from: from, to: to) }
        metrics.messages += 1
        metrics.bytes += bytes.count
        if carriesBatches {
            metrics.batchMessages += 1
            metrics.batchBytes += bytes.count
        }
        let faulty = now < faultsEndAt
        let network = plan.network
        if faulty && networkRandom.chance(network.loss) {
            metrics.lost += 1
            if carriesBatches { trace("lost: n\(from)->n\(to) \(describeBatches(bytes))") }
            return
        }
        var delay = networkRandom.millis(in: network.baseDelay)
        if faulty && networkRandom.chance(network.delayProbability) {
            delay += networkRandom.millis(in: network.longDelay)
            if carriesBatches { trace("delayed \(delay) ms: n\(from)->n\(to) \(describeBatches(bytes))") }
        }
        let reorder = faulty && network.reorderJitterMillis > 0
        if reorder { delay += networkRandom.millis(in: 0...network.reorderJitterMillis) }
        let direction = from == links[link].a ? 0 : 1
        var arrival = now + delay
        if !reorder {
            arrival = max(arrival, links[link].lastArrival[direction])
            links[link].lastArrival[direction] = arrival
        }
        let epoch = links[link].epoch
        queue.schedule(.deliver(link: link, epoch: epoch, from: from, to: to, bytes: bytes, injected: false), at: arrival)
        if faulty && networkRandom.chance(network.duplication) {
            metrics.duplicated += 1
            var again = arrival + networkRandom.millis(in: 0...50)
            if !reorder {
                again = max(again, links[link].lastArrival[direction])
                links[link].lastArrival[direction] = again
            }
            queue.schedule(.deliver(link: link, epoch: epoch, from: from, to: to, bytes: bytes, injected: true), at: again)
        }
    }

    /// Puts arriving bytes in the receiver's inbox for the link, unless the
    /// connection they were sent on has closed since; the first message in
    /// an empty inbox schedules the read, after the run's read delay.
    func arrive(link: Int, epoch: Int, from: Int, to: Int, bytes: [UInt8], injected: Bool) {
        guard links[link].connected, links[link].epoch == epoch, nodes[to].isUp else {
            metrics.droppedWithConnection += 1
            return
        }
        if injected, MessageKind.carriesBatches(bytes), case .batches(let batches)? = try? SyncMessage(decoding: bytes) {
            for batch in batches { networkCopies[NetworkCopy(receiver: to, sender: from, batch: batch.id), default: 0] += 1 }
        }
        let direction = from == links[link].a ? 0 : 1
        if links[link].inbox[direction].isEmpty {
            queue.schedule(.read(link: link, epoch: epoch, from: from, to: to), at: now + plan.network.readDelayMillis)
        }
        links[link].inbox[direction].append(bytes)
    }

    /// Hands everything in the inbox to the receiving driver in one
    /// `receive`, unless the connection has closed since (its inbox went with it).
    func read(link: Int, epoch: Int, from: Int, to: Int) {
        let direction = from == links[link].a ? 0 : 1
        let messages = links[link].inbox[direction]
        guard links[link].connected, links[link].epoch == epoch, nodes[to].isUp, !messages.isEmpty else { return }
        links[link].inbox[direction] = []
        metrics.reads += 1
        if messages.count > 1 { metrics.multiMessageReads += 1 }
        let time = wall(to)
        let peer = nodes[from].id
        nodes[to].driver?.receive(messages, from: peer, now: time)
        drain(to)
    }

    /// Traces the broadcast tree's messages (prune, graft).
    func traceTree(_ bytes: [UInt8], from: Int, to: Int) {
        switch try? SyncMessage(decoding: bytes) {
        case .prune?: trace("n\(from) prunes its link to n\(to)")
        case .graft(let wanted)?: trace("n\(from) asks n\(to) for \(wanted) (graft)")
        default: break
        }
    }

    /// The batch ids in an encoded message, for the trace.
    func describeBatches(_ bytes: [UInt8]) -> String {
        guard case .batches(let batches)? = try? SyncMessage(decoding: bytes) else { return "(undecodable)" }
        return "batches " + batches.map { name($0.id) }.joined(separator: " ")
    }
}

/// One batch in a message the network duplicated, at its receiver.
struct NetworkCopy: Hashable {
    var receiver: Int
    var sender: Int
    var batch: Dot
}

/// Tells summaries from batch messages by the tag byte, without decoding:
/// the tag sits right after the header, found once by comparing the
/// encodings of an empty summary and an empty batch message.
enum MessageKind {
    private static let layout: (offset: Int, batchesTag: UInt8)? = {
        let summary = SyncMessage.summary(held: BatchVector(), compacted: BatchVector(), neighbors: []).encoded()
        let batches = SyncMessage.batches([]).encoded()
        guard let offset = zip(summary, batches).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset else {
            return nil
        }
        return (offset, batches[offset])
    }()

    static func carriesBatches(_ bytes: [UInt8]) -> Bool {
        guard let layout, bytes.count > layout.offset else { return false }
        return bytes[layout.offset] == layout.batchesTag
    }
}

/// The only ways the simulation calls into a driver: each reads the node's
/// wall time first, then hands the input over, then carries out what the
/// driver asked of its shell.
extension Simulation {
    func feed(_ input: SyncInput, to index: Int) {
        let time = wall(index)
        nodes[index].driver?.handle(input, now: time)
        drain(index)
    }

    func deliver(_ bytes: [UInt8], from peer: NodeID, to index: Int) {
        let time = wall(index)
        nodes[index].driver?.receive(bytes, from: peer, now: time)
        drain(index)
    }

    func startDriver(_ index: Int) {
        let time = wall(index)
        nodes[index].driver?.start(now: time)
        drain(index)
    }
}
