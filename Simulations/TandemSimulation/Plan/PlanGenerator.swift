import TandemCore

/// Derives a run's `Plan` from its seed.
///
/// Each part (topology, workload, partitions, crashes, skews, attacks,
/// message faults) draws from its own random stream, and every fault class
/// is drawn whether it is enabled or not and then filtered out. So a seed
/// has the same workload and the same item ids under any `--faults`, and a
/// failure found with `--faults all` can be narrowed to fewer classes.
enum PlanGenerator {
    static let collections = ["customers", "deals"]
    static let fields = ["name", "email", "phone", "stage"]
    static let setField = "tags"
    static let elements: [Value] = ["vip", "eu", "us", "new", "churn"].map { .string($0) }

    private enum Stream: UInt64 {
        case topology = 1, workload, partitions, crashes, skews, attacks, network, compaction, ties, late, grouping, store
        // 13 to 16: the adapter edge (PlanGenerator-Adapters.swift).
    }

    /// The share of seeds whose faults go on into the convergence phase.
    static let lateFaultShare = 0.3

    /// The share of seeds whose clocks run in lockstep (no skew, no clock
    /// steps): concurrent writes on different nodes then often carry equal
    /// timestamps and are decided by the writers' keys.
    static let lockstepShare = 0.3

    static func plan(seed: UInt64, config: SimulationConfig, keep: Set<Int>? = nil) -> Plan {
        let n = config.nodeCount
        var topologyRandom = SimRandom(seed: seed, stream: Stream.topology.rawValue)
        let kind = config.topologyKind(random: &topologyRandom)
        let topology = Topology(kind: kind, nodeCount: n, random: &topologyRandom)

        var items: [PlanItem] = []
        func add(_ at: UInt64, _ action: PlanAction, _ fault: FaultKind?) {
            items.append(PlanItem(id: items.count, at: at, action: action, fault: fault))
        }
        var workload = SimRandom(seed: seed, stream: Stream.workload.rawValue)
        var grouping = SimRandom(seed: seed, stream: Stream.grouping.rawValue)
        for (at, node, ops) in writes(config: config, random: &workload, grouping: &grouping) {
            add(at, .write(node: node, ops: ops), nil)
        }

        let phase = config.faultPhaseMillis
        var partitions = SimRandom(seed: seed, stream: Stream.partitions.rawValue)
        for _ in 0..<partitions.int(in: 1...4) {
            let start = partitions.millis(in: 0...(phase - 300))
            let end = min(start + partitions.millis(in: 200...3_000), phase)
            let (links, shape) = cut(topology, random: &partitions)
            if !links.isEmpty { add(start, .cut(links: links, until: end, shape: shape), .partitions) }
        }

        var skewRandom = SimRandom(seed: seed, stream: Stream.skews.rawValue)
        let skews = (0..<n).map { _ in skew(config, random: &skewRandom) }

        for _ in 0..<skewRandom.int(in: 0...2) {
            let at = skewRandom.millis(in: 0...(phase - 200))
            add(at, .clockStep(node: skewRandom.below(n), skew: skew(config, random: &skewRandom)), .skew)
        }

        var crashes = SimRandom(seed: seed, stream: Stream.crashes.rawValue)
        for _ in 0..<crashes.int(in: 1...3) {
            let node = crashes.below(n)
            let at = crashes.millis(in: 0...(phase - 200))
            let restartAt = min(at + crashes.millis(in: 100...2_000), phase)
            let newSkew = crashes.chance(0.3) ? skew(config, random: &crashes) : nil
            add(at, .crash(node: node, restartAt: restartAt, restartSkew: newSkew), .crashes)
        }
        for _ in 0..<crashes.int(in: 1...3) {
            let at = crashes.millis(in: 0...(phase - 200))
            add(at, .failCommit(node: crashes.below(n), kind: commitKind(random: &crashes)), .crashes)
        }

        var attacks = SimRandom(seed: seed, stream: Stream.attacks.rawValue)
        for _ in 0..<attacks.int(in: 2...6) {
            let at = attacks.millis(in: 0...(phase - 200))
            let target = attacks.below(n)
            let kinds = (0..<attacks.int(in: 1...3)).compactMap { _ in attacks.pick(AttackKind.batchAttacks) }
            add(at, .attack(target: target, kinds: kinds), .malicious)
        }
        for _ in 0..<attacks.int(in: 1...2) {
            add(attacks.millis(in: 0...(phase - 200)), .attack(target: attacks.below(n), kinds: [.forgedDigest]), .forgedDigests)
        }

        var compactions = SimRandom(seed: seed, stream: Stream.compaction.rawValue)
        for _ in 0..<compactions.int(in: 2...8) {
            add(compactions.millis(in: 500...(phase - 200)), .compact(node: compactions.below(n)), .compaction)
        }

        var networkRandom = SimRandom(seed: seed, stream: Stream.network.rawValue)
        var network = NetworkFaults()
        let loss = 0.05 + networkRandom.unit() * 0.15
        let duplication = 0.02 + networkRandom.unit() * 0.08
        if config.faults.contains(.loss) { network.loss = loss }
        if config.faults.contains(.duplication) { network.duplication = duplication }
        if config.faults.contains(.reordering) { network.reorderJitterMillis = 150 }
        if config.faults.contains(.delay) { network.delayProbability = 0.1 }
        network.readDelayMillis = networkRandom.millis(in: 0...3)

        let lateCandidates = lateItems(firstID: items.count, nodeCount: n, seed: seed)
        items += adapterItems(seed: seed, config: config, firstID: items.count + lateCandidates.items.count)
        items += ruleItems(seed: seed, config: config, firstID: items.count + lateCandidates.items.count)
        var storeRandom = SimRandom(seed: seed, stream: Stream.store.rawValue)
        let store = config.store.kind(random: &storeRandom)
        var tieRandom = SimRandom(seed: seed, stream: Stream.ties.rawValue)
        let lockstep = tieRandom.chance(lockstepShare)
        let skewOn = config.faults.contains(.skew) && !lockstep
        let kept = items.compactMap { item -> PlanItem? in
            if let fault = item.fault, !config.faults.contains(fault) { return nil }
            if let keep, !keep.contains(item.id) { return nil }
            var item = item
            if !skewOn, case .clockStep = item.action { return nil }
            if !skewOn, case .crash(let node, let restartAt, _) = item.action {
                item.action = .crash(node: node, restartAt: restartAt, restartSkew: nil)
            }
            return item
        }
        // Late items are placed after the last heal of what was kept.
        let heal = kept.map(\.end).max() ?? 0
        let window = lateCandidates.window
        let late = window == 0 ? [] : lateCandidates.items.compactMap { item -> PlanItem? in
            if let fault = item.fault, !config.faults.contains(fault) { return nil }
            if let keep, !keep.contains(item.id) { return nil }
            var item = item
            item.at += heal
            return item
        }
        let nodeSkews = skewOn ? skews : Array(repeating: 0, count: n)
        return Plan(
            seed: seed, topology: topology, skews: nodeSkews,
            items: (kept + late).sorted { ($0.at, $0.id) < ($1.at, $1.id) }, network: network, faults: config.faults,
            lockstepClocks: lockstep, store: store,
            systemSkews: systemSkews(seed: seed, nodeSkews: nodeSkews, items: kept),
            captureDelays: captureDelays(seed: seed, config: config), lateFaultMillis: window)
    }

    /// For a share of seeds, a window of 1 to 3 s after the last heal in
    /// which message faults go on, with 1 to 2 aimed commit failures and 1
    /// to 2 compactions in it (at offsets from the heal). Drawn for every
    /// seed, so item ids do not depend on the faults.
    private static func lateItems(firstID: Int, nodeCount n: Int, seed: UInt64) -> (window: UInt64, items: [PlanItem]) {
        var random = SimRandom(seed: seed, stream: Stream.late.rawValue)
        let on = random.chance(lateFaultShare)
        let window = random.millis(in: 1_000...3_000)
        var items: [PlanItem] = []
        for _ in 0..<random.int(in: 1...2) {
            let at = random.millis(in: 0...window)
            let node = random.below(n)
            items.append(PlanItem(id: firstID + items.count, at: at, action: .failCommit(node: node, kind: commitKind(random: &random)), fault: .crashes, late: true))
        }
        for _ in 0..<random.int(in: 1...2) {
            let at = random.millis(in: 0...window)
            items.append(PlanItem(id: firstID + items.count, at: at, action: .compact(node: random.below(n)), fault: .compaction, late: true))
        }
        return (on ? window : 0, items)
    }

    /// The kind of commit an injected failure waits for: local writes and
    /// remote batch commits mostly, reconciliation commits (rarer, so an
    /// armed one may find none) sometimes.
    private static func commitKind(random: inout SimRandom) -> CommitKind {
        switch random.below(10) {
        case 0..<4: .localWrite
        case 4..<8: .remoteBatches
        default: .reconciliation
        }
    }

    /// A skew inside the drift bound (half the time) or beyond it.
    private static func skew(_ config: SimulationConfig, random: inout SimRandom) -> Int64 {
        let bound = Int(config.maxClockOffsetMillis)
        if random.chance(0.5) { return Int64(random.int(in: -(bound / 2)...(bound / 2))) }
        let magnitude = random.int(in: (bound + 100)...(bound * 6))
        return Int64(random.chance(0.5) ? magnitude : -magnitude)
    }

    /// The links a partition cuts: a split into groups, one isolated node,
    /// or a random subset of links.
    private static func cut(_ topology: Topology, random: inout SimRandom) -> ([Int], String) {
        let n = topology.nodeCount
        switch random.below(3) {
        case 0:
            let groups = random.int(in: 2...min(3, n))
            var order = Array(0..<n)
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, random.below(i + 1)) }
            var group = Array(repeating: 0, count: n)
            for (position, node) in order.enumerated() {
                group[node] = position < groups ? position : random.below(groups)
            }
            let links = topology.links.indices.filter { group[topology.links[$0].a] != group[topology.links[$0].b] }
            let names = (0..<groups).map { g in
                "{" + (0..<n).filter { group[$0] == g }.map { "n\($0)" }.joined(separator: ",") + "}"
            }
            return (links, "split " + names.joined(separator: "|"))
        case 1:
            let node = random.below(n)
            let links = topology.links.indices.filter { topology.links[$0].a == node || topology.links[$0].b == node }
            return (links, "isolate n\(node)")
        default:
            var links = topology.links.indices.filter { _ in random.chance(0.5) }
            if links.isEmpty { links = [random.below(topology.links.count)] }
            return (links, "cut \(links.count) of \(topology.links.count) links")
        }
    }

    /// The share of bursts committed in groups, and of random field writes
    /// that become a group with 1 to 3 more operations on their collection.
    static let groupedBurstShare = 0.5
    static let groupedFieldWriteShare = 0.3

    /// The workload: field writes, concurrent writes to one field, deletes
    /// concurrent with updates, set adds and removes, bursts, and grouped
    /// writes (several operations in one batch). Whether and how operations
    /// are grouped, and the operations added to groups, are drawn from
    /// `grouping` (their values are numbered `g1`, `g2`, ...), so the
    /// `random` stream draws the same operations it drew before grouping
    /// existed.
    private static func writes(
        config: SimulationConfig, random: inout SimRandom, grouping: inout SimRandom
    ) -> [(UInt64, Int, [WorkloadOp])] {
        let n = config.nodeCount
        let target = random.int(in: config.writes)
        let latest = config.faultPhaseMillis - 200
        var result: [(UInt64, Int, [WorkloadOp])] = []
        var planned = 0
        var counter = 0
        var groupedValues = 0

        func value() -> Value {
            counter += 1
            switch random.below(12) {
            case 0: return .int(Int64(counter))
            case 1: return .bool(counter % 2 == 0)
            case 2: return .null
            case 3: return .double(Double(counter) / 4)
            case 4: return .bytes([UInt8(truncatingIfNeeded: counter), 7])
            default: return .string("v\(counter)")
            }
        }
        func record() -> (String, String) {
            let collection = random.pick(collections) ?? "customers"
            return (collection, "\(collection.prefix(1))\(random.below(config.recordsPerCollection) + 1)")
        }
        func node() -> Int { random.below(n) }
        func otherNode(than other: Int) -> Int { (other + 1 + random.below(n - 1)) % n }
        func fieldWrites() -> [FieldWrite] {
            random.distinct(random.int(in: 1...2), of: fields.count).map { FieldWrite(name: fields[$0], value: value()) }
        }
        /// Plans `ops` as one write (one batch), cut short at the target.
        func emitGroup(_ at: UInt64, _ node: Int, _ ops: [WorkloadOp]) {
            let room = target - planned
            guard room > 0, !ops.isEmpty else { return }
            let kept = Array(ops.prefix(room))
            result.append((min(at, latest), node, kept))
            planned += kept.count
        }
        func emit(_ at: UInt64, _ node: Int, _ op: WorkloadOp) { emitGroup(at, node, [op]) }

        while planned < target {
            let t = random.millis(in: 50...latest)
            let (collection, id) = record()
            let roll = random.below(100)
            switch roll {
            case 0..<28:
                let writer = node()
                let op = WorkloadOp.setFields(collection: collection, record: id, fields: fieldWrites())
                if grouping.chance(groupedFieldWriteShare) {
                    let extra = (0..<grouping.int(in: 1...3)).map { _ in
                        groupedOp(collection: collection, near: id, config: config, random: &grouping, counter: &groupedValues)
                    }
                    emitGroup(t, writer, [op] + extra)
                } else {
                    emit(t, writer, op)
                }
            case 28..<43:
                let field = random.pick(fields) ?? "name"
                // Half the time at the same moment: with clocks in lockstep,
                // the writes then tie on timestamp and the writers' keys decide.
                let together = random.chance(0.5)
                for writer in random.distinct(random.int(in: 2...min(3, n)), of: n) {
                    emit(t + (together ? 0 : random.millis(in: 0...3)), writer, .setFields(
                        collection: collection, record: id, fields: [FieldWrite(name: field, value: value())]))
                }
            case 43..<53:
                let deleter = node()
                if t > 400 { emit(t - 300, node(), .insert(collection: collection, record: id)) }
                emit(t, deleter, .delete(collection: collection, record: id))
                emit(t + random.millis(in: 0...3), otherNode(than: deleter), .setFields(
                    collection: collection, record: id, fields: fieldWrites()))
            case 53..<61:
                emit(t, node(), .insert(collection: collection, record: id))
            case 61..<76:
                let element = random.pick(elements) ?? .string("vip")
                let adder = node()
                emit(t, adder, .addElement(collection: collection, record: id, set: setField, element: element))
                let later = random.chance(0.5) ? random.millis(in: 0...3) : random.millis(in: 300...1_500)
                emit(t + later, otherNode(than: adder), .removeElement(
                    collection: collection, record: id, set: setField, element: element))
                if random.chance(0.4) {
                    emit(t + later + random.millis(in: 0...3), node(), .addElement(
                        collection: collection, record: id, set: setField, element: element))
                }
            case 76..<88:
                let writer = node()
                var burst: [WorkloadOp] = []
                for _ in 0..<random.int(in: 4...10) {
                    let element = random.pick(elements) ?? .string("vip")
                    switch random.below(6) {
                    case 0: burst.append(.addElement(collection: collection, record: id, set: setField, element: element))
                    case 1: burst.append(.removeElement(collection: collection, record: id, set: setField, element: element))
                    case 2: burst.append(.delete(collection: collection, record: id))
                    default: burst.append(.setFields(collection: collection, record: id, fields: fieldWrites()))
                    }
                }
                // 1 ms apart, or (a share of bursts) committed in groups of 2
                // to 4 consecutive operations, as a busy node commits them.
                let grouped = grouping.chance(groupedBurstShare)
                var step = 0
                while step < burst.count {
                    let size = grouped ? min(grouping.int(in: 2...4), burst.count - step) : 1
                    emitGroup(t + UInt64(step), writer, Array(burst[step..<(step + size)]))
                    step += size
                }
            default:
                emit(t, node(), .delete(collection: collection, record: id))
            }
        }
        return result
    }

    /// One more operation for a group on `collection`: on record `id` or
    /// (a third of the time) another record of it, chosen so that it often
    /// meets what the group already did (the same fields, elements and
    /// record presence), so later operations of a group supersede earlier
    /// ones. Draws only from `random` (the grouping stream).
    private static func groupedOp(
        collection: String, near id: String, config: SimulationConfig, random: inout SimRandom, counter: inout Int
    ) -> WorkloadOp {
        let record = random.chance(1.0 / 3) ? "\(collection.prefix(1))\(random.below(config.recordsPerCollection) + 1)" : id
        let element = random.pick(elements) ?? .string("vip")
        switch random.below(10) {
        case 0: return .insert(collection: collection, record: record)
        case 1, 2: return .delete(collection: collection, record: record)
        case 3: return .addElement(collection: collection, record: record, set: setField, element: element)
        case 4: return .removeElement(collection: collection, record: record, set: setField, element: element)
        default:
            let names = random.distinct(random.int(in: 1...2), of: fields.count).map { fields[$0] }
            return .setFields(collection: collection, record: record, fields: names.map { name in
                counter += 1
                return FieldWrite(name: name, value: .string("g\(counter)"))
            })
        }
    }
}
