import TandemCore
import TandemRules
import TandemStore

/// Cross-record rules, run as the daemon runs them (`RuleRunner`): after a
/// node's local write to a watched collection is acknowledged, the node
/// that made it evaluates the pure `RuleEngine` on each record before and
/// after, and makes the writes it asks for as its own local writes (through
/// `write`, so they are acknowledged, modelled and replicated like any
/// other). Peers' batches are never evaluated: the node that made a change
/// fires its rules.
extension Simulation {
    /// The engine of `SimulationRules.rule`.
    static let ruleEngine: RuleEngine? = try? RuleEngine(rules: [SimulationRules.rule])

    func fireRules(
        _ changes: [(id: String, before: RecordView?, after: RecordView?)], of batch: DeltaBatch, at index: Int, item: Int,
        firedBy: [String]
    ) {
        guard let engine = Self.ruleEngine else { return }
        for (id, before, after) in changes {
            let change = RuleChange(
                collection: batch.collection, record: id, before: before?.fields, after: after?.fields,
                change: name(batch.id), firedBy: firedBy)
            let evaluation = engine.evaluate(change)
            guard !evaluation.writes.isEmpty || !evaluation.problems.isEmpty else { continue }
            var firing = RuleFiring(
                node: index, source: id, change: change.change, scope: after?.fields["scope"], budget: after?.fields["budget"],
                deal: evaluation.writes.first { $0.effect == .update }?.record)
            for problem in evaluation.problems { trace("n\(index) \(problem)") }
            for write in evaluation.writes {
                firing.asked[write.effect, default: 0] += 1
                let record = hooks.rules.record(write, index)
                let fields = write.fields.sorted { $0.key < $1.key }.map { FieldWrite(name: $0.key, value: $0.value) }
                let op = WorkloadOp.setFields(collection: write.collection, record: record, fields: fields)
                trace("n\(index) rule \(write.rule) fired by \(id) change \(change.change): \(write.effect.rawValue) \(write.collection)/\(record)")
                // An aimed commit failure fails one commit: the runner retries once.
                var made = self.write([op], at: index, item: item, firedBy: write.firedBy)
                if made == nil && nodes[index].isUp { made = self.write([op], at: index, item: item, firedBy: write.firedBy) }
                if made != nil { firing.made[write.effect, default: 0] += 1 }
            }
            metrics.ruleFirings += 1
            ruleFirings.append(firing)
        }
    }
}
