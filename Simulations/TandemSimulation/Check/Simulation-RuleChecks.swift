import TandemCore
import TandemRules

/// Checker 12 (rules): once converged, every triggering change produced
/// exactly one effect on every node: one linked record updated and one
/// record created per firing, one created record per source however many
/// nodes fired for it, holding values a triggering change saw, and every
/// linked record showing the rule's value.
extension Simulation {
    func checkRules(_ snapshots: [NodeSnapshot]) -> [CheckFailure] {
        var found: [CheckFailure] = []
        let rule = SimulationRules.rule
        // One create per firing; one update where the source named a linked
        // record (a node that had not seen the link reports the firing's
        // update as a problem instead).
        for firing in ruleFirings where firing.made[.create] != 1 || firing.made != firing.asked {
            found.append(CheckFailure(.rules,
                "n\(firing.node)'s firing for \(firing.source) (change \(firing.change)) made \(firing.made[.create] ?? 0) creates and \(firing.made[.update] ?? 0) updates of the \(firing.asked[.create] ?? 0) and \(firing.asked[.update] ?? 0) it asked for, not one create and each update"))
        }
        let bySource = Dictionary(grouping: ruleFirings, by: \.source)
        guard let linkBack = rule.create?.linkBack, let created = rule.create?.collection,
              let updated = rule.update?.collection else { return found }
        for snapshot in snapshots {
            var problems: [String] = []
            let projects = snapshot.collections[created] ?? RecordCollection()
            var perSource: [String: [RecordView]] = [:]
            for id in projects.records.keys.sorted() {
                guard let record = projects.record(id) else { continue }
                guard case .string(let source)? = record.fields[linkBack] else {
                    problems.append("\(created)/\(id) has no \(linkBack)")
                    continue
                }
                perSource[source, default: []].append(record)
            }
            for (source, firings) in bySource.sorted(by: { $0.key < $1.key }) {
                let records = perSource[source] ?? []
                guard records.count == 1, let record = records.first else {
                    problems.append("\(records.count) \(created) records for \(source) (\(records.map(\.id).joined(separator: ", "))), fired \(firings.count) times by \(Set(firings.map { "n\($0.node)" }).sorted().joined(separator: " "))")
                    continue
                }
                if !firings.contains(where: { $0.scope == record.fields["scope"] && $0.budget == record.fields["budget"] }) {
                    problems.append("\(created)/\(record.id) holds scope \(describe(record.fields["scope"])), budget \(describe(record.fields["budget"])): no triggering change of \(source) saw them")
                }
            }
            for source in perSource.keys.sorted() where bySource[source] == nil {
                problems.append("\(created) record for \(source), which never fired")
            }
            let pipeline = snapshot.collections[updated] ?? RecordCollection()
            for deal in Set(ruleFirings.compactMap(\.deal)).sorted() {
                let stage = pipeline.record(deal)?.fields["stage"]
                if stage != .string("won") { problems.append("\(updated)/\(deal) has stage \(describe(stage)), not won") }
            }
            if !problems.isEmpty {
                found.append(CheckFailure(.rules, "n\(snapshot.index): " + problems.prefix(3).joined(separator: "; ")
                    + (problems.count > 3 ? " (and \(problems.count - 3) more)" : "")))
            }
        }
        return found
    }

    private func describe(_ value: Value?) -> String { value.map { "\($0)" } ?? "nothing" }
}
