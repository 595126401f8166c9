import TandemAdapterCore

/// The adapter edge of a plan: edits other programs make to each node's
/// external table, and the adapter faults (refused writes, schema drift,
/// mass deletes, lost captures, aimed commit failures). Drawn from streams
/// of their own for every seed, so the rest of the plan is what it was
/// before adapters existed, and item ids are stable under any `--faults`.
extension PlanGenerator {
    /// The people whose emails the tables hold: few, so inserts collide.
    static let people = 8

    /// A table's name limit while it refuses long names, and how long a poison name is.
    static let refusedLength = 20

    static func adapterItems(seed: UInt64, config: SimulationConfig, firstID: Int) -> [PlanItem] {
        let n = config.nodeCount
        let phase = config.faultPhaseMillis
        var items: [PlanItem] = []
        func add(_ at: UInt64, _ action: PlanAction, _ fault: FaultKind?) {
            items.append(PlanItem(id: firstID + items.count, at: at, action: action, fault: fault))
        }
        var random = SimRandom(seed: seed, stream: 13)
        var counter = 0
        func name() -> ExternalValue {
            counter += 1
            if random.chance(0.1) {
                let text = "long name \(counter) "
                return .text(text + String(repeating: "x", count: max(0, 30 - text.count)))
            }
            return .text("n\(counter)")
        }
        func phone() -> ExternalValue {
            counter += 1
            return random.chance(0.2) ? .null : .text("+44 \(counter)")
        }
        func spell(_ person: Int) -> ExternalValue {
            let email = "p\(person)@example.com"
            switch random.below(5) {
            case 0: return .text(email.uppercased())
            case 1: return .text("P" + email.dropFirst())
            case 2: return .text(" \(email) ")
            case 3: return .text("P\(person)@Example.com ")
            default: return .text(email)
            }
        }
        for _ in 0..<random.int(in: 15...40) {
            let at = random.millis(in: 50...(phase - 200))
            let node = random.below(n)
            switch random.below(100) {
            case 0..<30:
                let person = random.below(people) + 1
                add(at, .external(node: node, edit: .insert(fields: ["email": spell(person), "name": name(), "phone": phone()])), nil)
                // The same person entered on another system at about the
                // same time (during a partition: one record, not two).
                if random.chance(0.4) {
                    let other = (node + 1 + random.below(n - 1)) % n
                    add(at + random.millis(in: 0...50), .external(
                        node: other, edit: .insert(fields: ["email": spell(person), "name": name()])), nil)
                }
            case 30..<85:
                var fields: [String: ExternalValue] = [:]
                switch random.below(3) {
                case 0: fields["name"] = name()
                case 1: fields["phone"] = phone()
                default:
                    fields["name"] = name()
                    fields["phone"] = phone()
                }
                add(at, .external(node: node, edit: .update(pick: random.below(1_000), fields: fields)), nil)
            default:
                add(at, .external(node: node, edit: .delete(pick: random.below(1_000))), nil)
            }
        }

        var faults = SimRandom(seed: seed, stream: 14)
        for _ in 0..<faults.int(in: 1...2) {
            let at = faults.millis(in: 0...(phase - 2_300))
            add(at, .refuseWrites(node: faults.below(n), maxLength: refusedLength, until: at + faults.millis(in: 300...2_000)), .adapters)
        }
        for _ in 0..<faults.int(in: 1...2) {
            let at = faults.millis(in: 0...(phase - 2_300))
            let field = faults.pick(["name", "phone"]) ?? "name"
            add(at, .dropColumn(node: faults.below(n), field: field, until: at + faults.millis(in: 300...2_000)), .adapters)
        }
        let massAt = faults.millis(in: 2_000...(phase - 2_000))
        add(massAt, .massDelete(node: faults.below(n), approve: faults.chance(0.5), decideAt: massAt + faults.millis(in: 300...1_500)), .adapters)
        let stallAt = faults.millis(in: 0...(phase - 1_700))
        add(stallAt, .loseCaptures(node: faults.below(n), restartAt: stallAt + faults.millis(in: 200...1_500)), .adapters)
        for _ in 0..<faults.int(in: 1...2) {
            add(faults.millis(in: 0...(phase - 200)), .failCommit(node: faults.below(n), kind: .localWrite), .adapters)
        }
        return items
    }

    /// Each node's capture delay: a few milliseconds, or (with adapter
    /// faults, for some nodes) up to 1.5 s.
    static func captureDelays(seed: UInt64, config: SimulationConfig) -> [UInt64] {
        var random = SimRandom(seed: seed, stream: 15)
        return (0..<config.nodeCount).map { _ in
            let base = random.millis(in: 1...20)
            let slow = random.chance(0.3)
            let long = random.millis(in: 200...1_500)
            return slow && config.faults.contains(.adapters) ? long : base
        }
    }

    /// Each node's external system's clock: behind the slowest its node's
    /// clock gets in the run by 0 to 300 ms.
    static func systemSkews(seed: UInt64, nodeSkews: [Int64], items: [PlanItem]) -> [Int64] {
        var random = SimRandom(seed: seed, stream: 16)
        var slowest = nodeSkews
        for item in items {
            if case .crash(let node, _, let skew?) = item.action { slowest[node] = min(slowest[node], skew) }
            if case .clockStep(let node, let skew) = item.action { slowest[node] = min(slowest[node], skew) }
        }
        return slowest.map { $0 - Int64(random.int(in: 0...300)) }
    }
}
