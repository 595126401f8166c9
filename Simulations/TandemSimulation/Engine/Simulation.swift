import TandemAdapterCore
import TandemAdapterSim
import TandemCore
import TandemCrypto
import TandemStore
import TandemSync

/// One deterministic run: a discrete-event simulation of `nodeCount` real
/// Tandem nodes (each an `InMemoryStore`, or for a share of seeds a
/// `SQLiteStore` in a temporary directory, a real Ed25519 key pair and a
/// `SyncDriver` running the production `SyncMachine`) on a virtual network
/// with virtual time, driven by the plan derived from the seed.
///
/// The simulator holds no protocol or CRDT logic of its own. It only
/// feeds the drivers the inputs a real node gets (connections opening and
/// closing, bytes arriving, timers firing, local writes) and carries out
/// what they ask (sending bytes, scheduling timers), with faults in between.
/// Everything random comes from generators seeded by the run's seed, and
/// simultaneous events keep their scheduling order, so a seed replays the
/// run exactly.
///
/// ```swift
/// let result = Simulation.run(seed: 42, config: SimulationConfig(nodeCount: 5))
/// print(result.line)
/// ```
public final class Simulation {
    /// Virtual time 0 as wall milliseconds since the Unix epoch (November 2023).
    static let virtualEpoch: UInt64 = 1_700_000_000_000

    let seed: UInt64
    let config: SimulationConfig
    let plan: Plan
    let hooks: SimulationHooks
    let keep: Set<Int>?

    var now: UInt64 = 0
    var queue = EventQueue()
    var nodes: [SimNode] = []
    var links: [LinkState]
    /// Link index by `a * nodeCount + b`, -1 where there is no link.
    var linkIndex: [Int]
    var nodeIndex: [NodeID: Int] = [:]
    let attacker: NodeKeyPair
    let syncConfiguration: SyncConfiguration
    var networkRandom: SimRandom
    var attackRandom: SimRandom

    /// Each node's adapter and external table.
    var adapters: [SimAdapter] = []
    /// Every edit other programs made to the tables (ground truth for the
    /// edit-time checker), their deletes, and the latest edit time of each
    /// record's committed captured delete.
    var externalEdits: [ExternalEditRecord] = []
    var externalDeletes: [(node: Int, key: String, at: Int64)] = []
    var committedDeletes: [String: Int64] = [:]

    var model = ReferenceModel()
    /// Every rule firing (triggering change and the writes it led to).
    var ruleFirings: [RuleFiring] = []
    var acknowledged: [AcknowledgedWrite] = []
    var acknowledgedByID: [Dot: Int] = [:]
    var acknowledgedVector = BatchVector()

    var metrics = RunMetrics()
    /// Batches in messages the network duplicated that reached a node, by
    /// (receiver, sender, batch): one copy of each is redundant because of
    /// the network, not the protocol (`observe`, `.duplicate`).
    var networkCopies: [NetworkCopy: Int] = [:]
    var traceLines: [String] = []
    /// Failures found during the run (forged input that had an effect).
    var failures: [CheckFailure] = []

    let healAt: UInt64
    /// When message faults stop (the last heal, or later for seeds with late faults).
    let faultsEndAt: UInt64
    let bound: UInt64
    var stopAt: UInt64
    var tracking = false
    var caughtUp: [Bool]
    var caughtUpCount = 0
    var convergedAt: UInt64?

    /// Runs the seed and checks it.
    public static func run(
        seed: UInt64, config: SimulationConfig, hooks: SimulationHooks = .production, keep: Set<Int>? = nil
    ) -> RunResult {
        let plan = PlanGenerator.plan(seed: seed, config: config, keep: keep)
        // A run on SQLite keeps its nodes' databases in a temporary
        // directory, removed when the run ends, whatever its outcome.
        var directory: RunDirectory?
        defer { directory?.remove() }
        do {
            if plan.store == .sqlite { directory = try RunDirectory(seed: seed) }
            let simulation = try Simulation(seed: seed, config: config, plan: plan, hooks: hooks, keep: keep, directory: directory)
            defer { simulation.shutDown() }
            return simulation.execute()
        } catch {
            return RunResult(
                seed: seed, topology: plan.topology.kind, nodeCount: config.nodeCount, faults: config.faults, store: plan.store, keep: keep,
                failures: [CheckFailure(.convergence, "the run could not be set up: \(error)")],
                healAt: plan.healAt, convergedAfterHeal: nil, bound: 0, metrics: RunMetrics(), trace: [])
        }
    }

    /// The plan a seed produces (for printing and tests).
    public static func plan(seed: UInt64, config: SimulationConfig, keep: Set<Int>? = nil) -> Plan {
        PlanGenerator.plan(seed: seed, config: config, keep: keep)
    }

    init(
        seed: UInt64, config: SimulationConfig, plan: Plan, hooks: SimulationHooks, keep: Set<Int>?, directory: RunDirectory?
    ) throws {
        self.seed = seed
        self.config = config
        self.plan = plan
        self.hooks = hooks
        self.keep = keep
        let n = config.nodeCount
        var keyRandom = SimRandom(seed: seed, stream: 100)
        attacker = try NodeKeyPair(seed: keyRandom.bytes(NodeKeyPair.seedByteCount))
        var keys: [NodeKeyPair] = []
        for _ in 0..<n { keys.append(try NodeKeyPair(seed: keyRandom.bytes(NodeKeyPair.seedByteCount))) }
        var syncConfiguration = SyncConfiguration(
            trustedOrigins: Set(keys.map(\.nodeID)),
            maxBatchesPerMessage: config.maxBatchesPerMessage, maxInFlightBatchesPerPeer: config.maxInFlightBatchesPerPeer,
            summaryIntervalMillis: config.summaryIntervalMillis, resendAfterMillis: config.resendAfterMillis)
        // Every node compacts its log, so each takes reconciled state from
        // the honest nodes (as an operator who compacts must configure);
        // the malicious peer is never a state source.
        syncConfiguration.stateSources = Set(keys.map(\.nodeID))
        self.syncConfiguration = syncConfiguration
        networkRandom = SimRandom(seed: seed, stream: 101)
        attackRandom = SimRandom(seed: seed, stream: 102)

        links = plan.topology.links.map { LinkState(a: $0.a, b: $0.b) }
        linkIndex = Array(repeating: -1, count: n * n)
        for (index, link) in plan.topology.links.enumerated() {
            linkIndex[link.a * n + link.b] = index
            linkIndex[link.b * n + link.a] = index
        }
        healAt = plan.healAt
        faultsEndAt = plan.faultsEndAt
        bound = Simulation.convergenceBound(config: config, plan: plan)
        stopAt = healAt + bound + 1
        caughtUp = Array(repeating: false, count: n)

        for index in 0..<n {
            let key = keys[index]
            let faults = CommitFaults()
            let store = AimedFailureStore(hooks.makeStore(index, key.nodeID, directory?.node(index)), faults: faults)
            nodes.append(SimNode(index: index, keys: key, faults: faults, store: store, skew: plan.skews[index]))
            nodeIndex[key.nodeID] = index
            let mapping = hooks.adapter.mapping(index, SimAdapter.mapping(index: index))
            adapters.append(SimAdapter(
                table: SimulatedTable(mapping: mapping, schema: SimAdapter.schema(mapping)),
                systemSkew: plan.systemSkews[index], captureDelay: plan.captureDelays[index]))
        }
        for index in 0..<n {
            nodes[index].driver = try makeDriver(index)
        }
    }

    /// The longest convergence may take after the last heal:
    /// - one resend period plus a timer tick (a batch lost on a link that
    ///   stayed up is offered again at the sender's next resend),
    /// - two message latencies and read delays per hop across the diameter
    ///   (summary, then the batches it shows missing),
    /// - messages delayed before the heal still blocking a FIFO link,
    /// - how far the fastest clock is ahead of the slowest beyond the drift
    ///   bound (a batch waits in the drift hold that long), plus a tick for
    ///   the hold's release,
    /// - one summary round per `maxInFlightBatchesPerPeer` batches a peer
    ///   may lack (back-pressure),
    /// - how long faults go on after the heal (late faults),
    /// - and one second of margin.
    static func convergenceBound(config: SimulationConfig, plan: Plan) -> UInt64 {
        let skews = plan.allSkews
        let spread = UInt64((skews.max() ?? 0) - (skews.min() ?? 0))
        let excess = spread > config.maxClockOffsetMillis ? spread - config.maxClockOffsetMillis : 0
        var lingering: UInt64 = 0
        if plan.network.delayProbability > 0 { lingering += plan.network.longDelay.upperBound }
        lingering += plan.network.reorderJitterMillis
        let rounds = UInt64((plan.writeCount + plan.externalEditCount) / max(1, config.maxInFlightBatchesPerPeer) + 1)
        return config.resendAfterMillis + 2 * config.summaryIntervalMillis
            + UInt64(plan.topology.diameter) * 2 * (plan.network.baseDelay.upperBound + plan.network.readDelayMillis)
            + rounds * config.summaryIntervalMillis
            + lingering + excess + plan.lateFaultMillis + 1_000
            + adapterSlack(plan)
    }

    /// Closes every node's store (a SQLite run's databases, before their
    /// directory is removed).
    func shutDown() {
        for node in nodes { node.store.shutDown() }
    }

    /// Node `index`'s wall clock now.
    func wall(_ index: Int) -> UInt64 {
        UInt64(Int64(Simulation.virtualEpoch + now) + nodes[index].skew)
    }

    func makeDriver(_ index: Int) throws(StoreError) -> SyncDriver<ShellBox> {
        let node = nodes[index]
        let keys = node.keys
        return try SyncDriver(
            store: node.store, shell: ShellBox(hooks.wrapShell(index, node.id, node.shell)),
            configuration: syncConfiguration, maxClockOffsetMillis: config.maxClockOffsetMillis,
            sign: { keys.sign($0) },
            verify: { SignatureVerifier.verify($0) },
            verifyRecords: { SignatureVerifier.verify($0, from: $1) })
    }

    // MARK: The event loop

    func execute() -> RunResult {
        trace("start: \(config.nodeCount) nodes, \(plan.topology.kind) topology (\(plan.topology.links.count) links, diameter \(plan.topology.diameter)), faults \(FaultKind.describe(plan.faults))\(plan.store == .sqlite ? ", on SQLite" : "")\(plan.lockstepClocks ? ", clocks in lockstep" : ""); skews \(plan.skews.enumerated().map { "n\($0.offset) \($0.element) ms" }.joined(separator: ", ")); last heal at \(healAt) ms\(faultsEndAt > healAt ? ", faults go on until \(faultsEndAt) ms" : ""), bound \(bound) ms")
        for (position, item) in plan.items.enumerated() { queue.schedule(.plan(position), at: item.at) }
        for index in nodes.indices {
            startDriver(index)
            startAdapter(index)
        }
        for link in links.indices { refresh(link) }
        if healAt == 0 { startTracking() }

        while let (time, event) = queue.pop() {
            if time > stopAt { break }
            now = time
            metrics.events += 1
            switch event {
            case .deliver(let link, let epoch, let from, let to, let bytes, let injected):
                arrive(link: link, epoch: epoch, from: from, to: to, bytes: bytes, injected: injected)
            case .read(let link, let epoch, let from, let to):
                read(link: link, epoch: epoch, from: from, to: to)
                if tracking { updateCaughtUp(to) }
            case .timer(let node, let incarnation):
                guard nodes[node].incarnation == incarnation, nodes[node].isUp else { continue }
                feed(.timerFired, to: node)
                if tracking { updateCaughtUp(node) }
            case .plan(let position):
                perform(position)
                if tracking { recomputeCaughtUp() }
            case .heal(let position):
                heal(plan.items[position])
                if tracking { recomputeCaughtUp() }
            case .restart(let position):
                restart(after: plan.items[position])
                if tracking { recomputeCaughtUp() }
            case .adapter(let node, let incarnation):
                guard nodes[node].incarnation == incarnation else { continue }
                let before = acknowledged.count
                adapterStep(node, at: time)
                if tracking {
                    // A capture's batch is one more write every node must hold.
                    if acknowledged.count != before { recomputeCaughtUp() } else { updateCaughtUp(node) }
                }
            case .adapterFaultEnds(let position):
                endAdapterFault(plan.items[position])
                if tracking { recomputeCaughtUp() }
            }
            if !tracking && now >= healAt { startTracking() }
        }
        metrics.virtualMillis = now
        return finish()
    }

    private func perform(_ position: Int) {
        let item = plan.items[position]
        switch item.action {
        case .write(let node, let ops):
            write(ops, at: node, item: item.id)
        case .cut(let cut, _, let shape):
            metrics.partitions += 1
            trace("partition #\(item.id) starts: \(shape) (links \(cut.map { describeLink($0) }.joined(separator: " ")))")
            for link in cut { links[link].cuts += 1 }
            for link in cut { refresh(link) }
            queue.schedule(.heal(position), at: item.end)
        case .crash(let node, _, _):
            guard nodes[node].isUp else {
                trace("n\(node) crash #\(item.id) skipped: already down")
                return
            }
            crash(node, by: item)
            queue.schedule(.restart(position), at: item.end)
        case .failCommit(let node, let kind):
            guard nodes[node].isUp else { return }
            metrics.commitFailuresArmed += 1
            if let unused = nodes[node].faults.armed {
                trace("n\(node): the failure armed for its \(unused) found none and is replaced")
            }
            trace("n\(node): its next commit among \(kind) will fail part-way (#\(item.id))")
            nodes[node].faults.arm(kind)
        case .attack(let target, let kinds):
            attack(target, kinds: kinds, item: item.id)
        case .compact(let node):
            compact(node, item: item.id)
        case .clockStep(let node, let skew):
            trace("n\(node)'s wall clock steps \(skew - nodes[node].skew) ms (skew \(nodes[node].skew) -> \(skew) ms)")
            nodes[node].skew = skew
        case .external(let node, let edit):
            performExternal(edit, at: node, item: item.id)
        case .refuseWrites, .dropColumn, .massDelete, .loseCaptures:
            performAdapterFault(item, position: position)
        }
    }

    private func heal(_ item: PlanItem) {
        guard case .cut(let cut, _, let shape) = item.action else { return }
        trace("partition #\(item.id) heals: \(shape)")
        for link in cut { links[link].cuts -= 1 }
        for link in cut { refresh(link) }
    }

    // MARK: Convergence tracking

    private func startTracking() {
        tracking = true
        recomputeCaughtUp()
    }

    /// Whether node `index`'s store has committed exactly the acknowledged
    /// writes and its machine has nothing waiting in its drift hold.
    ///
    /// The machine's in-memory vector is only a cheap first look (it must
    /// agree too): what decides is the vector the store committed, so a
    /// node whose machine counts a batch its store lacks is not caught up.
    private func isCaughtUp(_ index: Int) -> Bool {
        guard adapters[index].isIdle, let machine = nodes[index].driver?.machine,
              machine.heldForClockSkew == 0, machine.held == acknowledgedVector
        else { return false }
        return (try? nodes[index].store.summary().batches) == acknowledgedVector
    }

    func recomputeCaughtUp() {
        caughtUpCount = 0
        for index in nodes.indices {
            caughtUp[index] = isCaughtUp(index)
            if caughtUp[index] { caughtUpCount += 1 }
        }
        convergenceChanged()
    }

    private func updateCaughtUp(_ index: Int) {
        let now = isCaughtUp(index)
        if now == caughtUp[index] { return }
        caughtUp[index] = now
        caughtUpCount += now ? 1 : -1
        convergenceChanged()
    }

    private func convergenceChanged() {
        if caughtUpCount == nodes.count {
            if convergedAt == nil {
                convergedAt = now
                // Late faults still to come happen, and must change nothing.
                stopAt = max(now, faultsEndAt) + config.quietMillis
                trace("converged: every node holds the \(acknowledged.count) acknowledged writes, nothing held for clock skew (\(now - min(now, healAt)) ms after the last heal)")
            }
        } else if let converged = convergedAt {
            trace("diverged again after converging at \(converged) ms")
            convergedAt = nil
            stopAt = max(now, healAt + bound + 1)
        }
    }

    // MARK: Trace

    func trace(_ text: @autoclosure () -> String) {
        guard config.trace else { return }
        let time = String(now)
        traceLines.append(String(repeating: " ", count: max(0, 6 - time.count)) + time + " ms  " + text())
    }

    /// A timestamp as virtual milliseconds since the start, and its logical counter.
    func describe(_ timestamp: HLCTimestamp) -> String {
        let physical = Int64(bitPattern: timestamp.physical) - Int64(Simulation.virtualEpoch)
        return "\(physical).\(timestamp.logical)"
    }

    /// A batch vector with node names.
    func describe(_ vector: BatchVector) -> String {
        let parts = vector.held.nodes.map { node, dots -> (String, String) in
            let label = nodeIndex[node].map { "n\($0)" } ?? (node == attacker.nodeID ? "attacker" : "\(node)")
            let cloud = dots.cloud.map { "\($0.lowerBound)-\($0.upperBound)" }
            let ranges = (dots.prefix > 0 ? ["1-\(dots.prefix)"] : []) + cloud
            return (label, "\(label):" + ranges.joined(separator: ","))
        }
        return "{" + parts.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: " ") + "}"
    }

    func describeLink(_ link: Int) -> String { "n\(links[link].a)-n\(links[link].b)" }

    func name(_ batch: Dot) -> String {
        let writer = nodeIndex[batch.node].map { "n\($0)" } ?? (batch.node == attacker.nodeID ? "attacker" : "\(batch.node)")
        return "\(writer)#\(batch.counter)"
    }
}

extension Simulation {
    /// What the adapters add to the convergence bound: the slowest capture
    /// delay, the longest retry backoff, one paused adapter's poll, and a
    /// margin for the writes a capture starts.
    static func adapterSlack(_ plan: Plan) -> UInt64 {
        (plan.captureDelays.max() ?? 0) + UInt64(SimAdapter.freshRetries.maximumMillis) + SimAdapter.operatorMillis + 500 + 500
    }
}
