import TandemCore

/// The rule workload of a plan (`SimulationRules`): proposals sent, signed
/// (some on two nodes at about the same time, so that both fire), edited
/// while signed, and unsigned and signed again. Drawn from a stream of its
/// own, so the rest of the plan is what it was before rules existed.
extension PlanGenerator {
    static func ruleItems(seed: UInt64, config: SimulationConfig, firstID: Int) -> [PlanItem] {
        let n = config.nodeCount
        let phase = config.faultPhaseMillis
        var items: [PlanItem] = []
        var random = SimRandom(seed: seed, stream: 17)
        func add(_ at: UInt64, _ node: Int, _ proposal: Int, _ fields: [String: Value]) {
            let writes = fields.sorted { $0.key < $1.key }.map { FieldWrite(name: $0.key, value: $0.value) }
            let op = WorkloadOp.setFields(collection: SimulationRules.proposals, record: "p\(proposal)", fields: writes)
            items.append(PlanItem(id: firstID + items.count, at: at, action: .write(node: node, ops: [op]), fault: nil))
        }
        for proposal in 1...random.int(in: 2...5) {
            let at = random.millis(in: 50...max(50, phase > 1_050 ? phase - 1_000 : 50))
            let node = random.below(n)
            let signed: [String: Value] = [
                "status": .string("signed"), "deal": .string("deal\(proposal)"),
                "scope": .string("scope \(proposal)"), "budget": .int(Int64(1_000 * proposal)),
            ]
            if random.chance(0.5) { add(at, random.below(n), proposal, ["status": .string("sent")]) }
            add(at + random.millis(in: 100...400), node, proposal, signed)
            // Signed on a second system at about the same time: both nodes fire.
            if random.chance(0.5) && n > 1 {
                add(at + random.millis(in: 100...450), (node + 1 + random.below(n - 1)) % n, proposal, signed)
            }
            // Edited while signed (fires nothing), or unsigned and signed again.
            switch random.below(3) {
            case 0: add(at + random.millis(in: 500...700), random.below(n), proposal, ["scope": .string("scope \(proposal) revised")])
            case 1:
                add(at + random.millis(in: 500...600), random.below(n), proposal, ["status": .string("draft")])
                add(at + random.millis(in: 700...900), random.below(n), proposal, ["status": .string("signed")])
            default: break
            }
        }
        return items
    }
}
