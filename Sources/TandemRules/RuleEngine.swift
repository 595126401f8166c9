import TandemCore

/// Evaluates declarative rules against committed changes (pure: no I/O,
/// clock or randomness; the same change gives the same writes on any node).
///
/// Guarantees:
/// - A rule fires on a change that makes its condition hold (false or
///   absent before, true after), not on one that leaves it holding.
/// - The record a rule creates has an id derived from the rule's name and
///   the source record's id alone (`createdRecordID`), so two nodes that
///   fire the same rule for the same record, concurrently or not, write
///   one record, and their writes converge under the CRDT join.
/// - A rule never fires on a change made by its own writes, or by writes
///   it led to (`RuleChange.firedBy`); a set of rules whose writes could
///   fire one another in a circle is refused by `init` (`RuleSetError.cycle`).
///
/// ```swift
/// let engine = try RuleEngine(rules: [signedProposal])
/// let evaluation = engine.evaluate(change)
/// for write in evaluation.writes { /* commit through the node */ }
/// ```
public struct RuleEngine: Sendable {
    public let rules: [Rule]
    private let byCollection: [String: [Rule]]

    /// - Throws: `RuleSetError` for a duplicate name or a cycle.
    public init(rules: [Rule]) throws(RuleSetError) {
        var names: Set<String> = []
        for rule in rules where !names.insert(rule.name).inserted { throw .duplicateName(rule.name) }
        if let cycle = Self.cycle(in: rules) { throw cycle }
        self.rules = rules
        self.byCollection = Dictionary(grouping: rules, by: \.collection)
    }

    /// What the rules ask for after one change: the writes, in rule order
    /// (update before create), and the writes they could not make.
    public struct Evaluation: Hashable, Sendable {
        public var writes: [RuleWrite] = []
        public var problems: [RuleProblem] = []
    }

    /// The writes the rules ask for after `change`.
    public func evaluate(_ change: RuleChange) -> Evaluation {
        var evaluation = Evaluation()
        for rule in byCollection[change.collection] ?? [] where !change.firedBy.contains(rule.name) {
            let was = rule.condition.holds(for: change.before?[rule.field])
            guard let after = change.after, !was, rule.condition.holds(for: after[rule.field]) else { continue }
            let chain = change.firedBy + [rule.name]
            func problem(_ reason: String) {
                evaluation.problems.append(RuleProblem(rule: rule.name, source: change.record, change: change.change, reason: reason))
            }
            func write(_ effect: RuleWrite.Effect, _ collection: String, _ record: String, _ fields: [String: Value]) {
                evaluation.writes.append(RuleWrite(
                    rule: rule.name, effect: effect, collection: collection, record: record, fields: fields,
                    firedBy: chain, source: change.record, change: change.change))
            }
            if let update = rule.update {
                if let value = after[update.link], let target = update.target.recordID(for: value) {
                    write(.update, update.collection, target, update.set)
                } else {
                    problem("\(update.link) is empty: no \(update.collection) record to update")
                }
            }
            if let create = rule.create {
                var fields = create.set
                for (target, source) in create.copy {
                    if let value = after[source] { fields[target] = value }
                }
                if let linkBack = create.linkBack { fields[linkBack] = .string(change.record) }
                write(.create, create.collection, Self.createdRecordID(rule: rule.name, source: change.record), fields)
            }
        }
        return evaluation
    }

    /// The id of the record `rule` creates for source record `source`:
    /// `<rule>:<source>`. Derived from nothing else (no node, no time, no
    /// change), so every firing for this source names the same record.
    public static func createdRecordID(rule: String, source: String) -> String {
        Identifier.normalized(rule + ":" + source)
    }

    /// A circle of rules (each writes the collection the next one watches),
    /// or nil. A rule writing the collection it watches is no circle: its
    /// own writes never fire it.
    static func cycle(in rules: [Rule]) -> RuleSetError? {
        let sorted = rules.sorted { $0.name < $1.name }
        func next(_ rule: Rule) -> [(Rule, String)] {
            sorted.compactMap { other in
                guard other.name != rule.name, rule.writtenCollections.contains(other.collection) else { return nil }
                return (other, other.collection)
            }
        }
        var state: [String: Bool] = [:]  // false: on the path, true: done
        var path: [(rule: Rule, via: String)] = []
        func visit(_ rule: Rule) -> RuleSetError? {
            state[rule.name] = false
            for (other, collection) in next(rule) {
                if state[other.name] == false, let start = path.firstIndex(where: { $0.rule.name == other.name }) {
                    let names = path[start...].map(\.rule.name)
                    let collections = path[(start + 1)...].map(\.via) + [collection]
                    return .cycle(names, collections: collections)
                }
                if state[other.name] == nil {
                    path.append((other, collection))
                    if let found = visit(other) { return found }
                    path.removeLast()
                }
            }
            state[rule.name] = true
            return nil
        }
        for rule in sorted where state[rule.name] == nil {
            path = [(rule, rule.collection)]
            if let found = visit(rule) { return found }
        }
        return nil
    }
}
