public import TandemCore

/// One declarative cross-record rule (`[[rule]]` in a node's configuration):
/// when a record of `collection` changes so that `condition` holds for
/// `field`, set fields of a linked record (`update`) and/or create a record
/// of another collection (`create`).
///
/// A rule carries no behaviour of its own: `RuleEngine` evaluates it.
public struct Rule: Hashable, Sendable {
    /// Unique among a node's rules; part of the id of the record it creates
    /// and of every audit event of its writes.
    public var name: String
    /// The collection whose changes the rule watches.
    public var collection: String
    /// The field the condition tests.
    public var field: String
    public var condition: RuleCondition
    public var update: RelatedUpdate?
    public var create: CreatedRecord?

    public init(
        name: String, collection: String, field: String, condition: RuleCondition,
        update: RelatedUpdate? = nil, create: CreatedRecord? = nil
    ) {
        self.name = name
        self.collection = collection
        self.field = field
        self.condition = condition
        self.update = update
        self.create = create
    }

    /// The collections the rule writes.
    public var writtenCollections: Set<String> {
        Set([update?.collection, create?.collection].compactMap { $0 })
    }
}

/// Set fields of the record of `collection` that the source record's `link`
/// field names (through `target`).
public struct RelatedUpdate: Hashable, Sendable {
    public var collection: String
    /// The source record's field holding the link.
    public var link: String
    /// How the link value becomes a record id of `collection`.
    public var target: RuleLink
    /// Field = value written to the linked record.
    public var set: [String: Value]

    public init(collection: String, link: String, target: RuleLink = .recordID, set: [String: Value]) {
        self.collection = collection
        self.link = link
        self.target = target
        self.set = set
    }
}

/// Create (or refresh) one record of `collection` per rule and source
/// record, its id derived from both (`RuleEngine.createdRecordID`).
public struct CreatedRecord: Hashable, Sendable {
    public var collection: String
    /// Target field = source field: values copied from the source record
    /// (a source field without a value is not written).
    public var copy: [String: String]
    /// Target field = constant value.
    public var set: [String: Value]
    /// A target field that receives the source record's id, or nil.
    public var linkBack: String?

    public init(collection: String, copy: [String: String] = [:], set: [String: Value] = [:], linkBack: String? = nil) {
        self.collection = collection
        self.copy = copy
        self.set = set
        self.linkBack = linkBack
    }
}
