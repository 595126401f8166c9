/// Checks every node's CRDT state against the `ReferenceModel`: each record
/// the model requires exists and no record exists that no edit made; each
/// field holds a value the model allows, written by the node whose table
/// the edit was made in, with an edit time inside that edit's widened
/// window (rows imported at first attach: any time); each set holds its
/// required elements and only elements some edit added.
public enum ModelCheck {
    /// What was compared, for the run's summary.
    public struct Coverage: Sendable, Hashable {
        /// Fields of existing records compared, per node.
        public var fields = 0
        /// Of those, fields the model determined exactly.
        public var determined = 0

        public init() {}
    }

    /// `nodeIDs[i]` is node i's id (hex), as the states name writers.
    public static func findings(states: [NodeState], model: ReferenceModel, nodeIDs: [String]) -> (findings: [String], coverage: Coverage) {
        var lines: [String] = []
        var coverage = Coverage()
        for (index, state) in states.enumerated() {
            let node = "n\(index + 1)"
            for key in Set(state.records.keys).union(model.records.keys).sorted() {
                guard let expected = model.records[key] else {
                    lines.append("\(node) \(key): the CRDT holds a record no edit made")
                    continue
                }
                guard let record = state.records[key] else {
                    if expected.mustExist { lines.append("\(node) \(key): absent from the CRDT, but the model requires it (a write surely after every delete, or no delete)") }
                    continue
                }
                for field in NodeSchema.registerFields {
                    guard let expectation = expected.fields[field] else { continue }
                    coverage.fields += 1
                    if expectation.isDetermined { coverage.determined += 1 }
                    let winner = record.fields[field]
                    let value = winner?.value
                    guard let writers = expectation.allowed[value] else {
                        lines.append("\(node) \(key).\(field) = \(describe(value)) (\(winner.map { "edited \($0.editedAtMillis)" } ?? "no write")); the model allows \(describe(expectation))")
                        continue
                    }
                    guard let winner, value != nil else { continue }
                    let fits = writers.contains { edit in
                        let margin = ReferenceModel.clockMarginMillis
                        let inWindow = edit.initial
                            || (Int64(winner.editedAtMillis) >= edit.startMillis - margin && Int64(winner.editedAtMillis) <= edit.endMillis + margin)
                        return inWindow && nodeIDs.indices.contains(edit.node) && nodeIDs[edit.node] == winner.writer
                    }
                    if !fits {
                        let writer = nodeIDs.firstIndex(of: winner.writer).map { "n\($0 + 1)" } ?? String(winner.writer.prefix(12))
                        lines.append("\(node) \(key).\(field) = \(describe(value)) edited \(winner.editedAtMillis) by \(writer); the edits of that value were \(writers.map { describe($0) }.joined(separator: ", "))")
                    }
                }
                let missing = expected.requiredTags.subtracting(record.tags)
                if !missing.isEmpty { lines.append("\(node) \(key).tags lacks \(missing.sorted()), added and never removed") }
                let unknown = record.tags.subtracting(expected.possibleTags)
                if !unknown.isEmpty { lines.append("\(node) \(key).tags holds \(unknown.sorted()), which no edit added") }
            }
        }
        return (lines, coverage)
    }

    static func describe(_ value: String?) -> String {
        guard let value else { return "NULL" }
        return value.utf8.count > 64 ? "<\(value.utf8.count) bytes, starts \(value.prefix(24).debugDescription)>" : value.debugDescription
    }

    static func describe(_ edit: AppliedEdit) -> String {
        edit.initial ? "n\(edit.node + 1) initial row" : "n\(edit.node + 1) step #\(edit.step) at \(edit.startMillis)-\(edit.endMillis)"
    }

    static func describe(_ expectation: ReferenceModel.FieldExpectation) -> String {
        expectation.allowed.keys.map { value in
            "\(describe(value))\(value == nil ? "" : " [\((expectation.allowed[value] ?? []).map { describe($0) }.joined(separator: ", "))]")"
        }.sorted().joined(separator: " or ")
    }
}
