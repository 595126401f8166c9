public import TandemCore

/// A committed change of one record, as the rule engine sees it: the winning
/// field values before and after (nil: the record did not exist, or was
/// deleted), which change it was, and which rules' writes made it.
public struct RuleChange: Hashable, Sendable {
    public var collection: String
    public var record: String
    public var before: [String: Value]?
    public var after: [String: Value]?
    /// The triggering change's name for audit: the batch that committed it
    /// (`<origin>:<sequence>`).
    public var change: String
    /// The rules whose writes this change is (empty for a change made by a
    /// person, an adapter or an API call). None of them fires on it.
    public var firedBy: [String]

    public init(
        collection: String, record: String, before: [String: Value]?, after: [String: Value]?,
        change: String, firedBy: [String] = []
    ) {
        self.collection = collection
        self.record = record
        self.before = before
        self.after = after
        self.change = change
        self.firedBy = firedBy
    }
}

/// One write a rule asks for: fields of one record, to be committed by the
/// node that evaluated the rule, through its normal write path.
public struct RuleWrite: Hashable, Sendable {
    /// Whether the write updates a linked record or creates the rule's record.
    public enum Effect: String, Hashable, Sendable {
        case update, create
    }

    public var rule: String
    public var effect: Effect
    public var collection: String
    public var record: String
    public var fields: [String: Value]
    /// The rules whose writes led here, ending with `rule`: carried with the
    /// write so that none of them fires on it again.
    public var firedBy: [String]
    /// The source record and the change that fired the rule (for audit).
    public var source: String
    public var change: String

    public init(
        rule: String, effect: Effect, collection: String, record: String, fields: [String: Value],
        firedBy: [String], source: String, change: String
    ) {
        self.rule = rule
        self.effect = effect
        self.collection = collection
        self.record = record
        self.fields = fields
        self.firedBy = firedBy
        self.source = source
        self.change = change
    }

    /// One line for the audit log: what the rule wrote and why.
    public var auditDetail: String {
        let names = fields.keys.sorted().map { "\($0)=\(fields[$0].map { "\($0)" } ?? "")" }.joined(separator: ", ")
        return "rule \(rule) (\(effect.rawValue)) fired by \(source) change \(change): \(collection)/\(record) \(names)"
    }
}

/// A rule that fired but could not make one of its writes (an empty link,
/// an id too long); reported, never thrown: the other writes still happen.
public struct RuleProblem: Hashable, Sendable, CustomStringConvertible {
    public var rule: String
    public var source: String
    public var change: String
    public var reason: String

    public init(rule: String, source: String, change: String, reason: String) {
        self.rule = rule
        self.source = source
        self.change = change
        self.reason = reason
    }

    public var description: String { "rule \(rule) fired by \(source) change \(change): \(reason)" }
}
