import TandemCore
public import TandemRules

/// The cross-record rule every simulated node runs (scenario 2 of
/// docs/scenarios.md on collections of its own, which the rest of the
/// workload never writes): a proposal whose `status` becomes `signed` wins
/// the `pipeline` record its `deal` field names and creates a `projects`
/// record with its scope and budget and a link back.
public enum SimulationRules {
    public static let rule = Rule(
        name: "signed-proposal", collection: proposals, field: "status", condition: .equals(.string("signed")),
        update: RelatedUpdate(collection: pipeline, link: "deal", target: .recordID, set: ["stage": .string("won")]),
        create: CreatedRecord(collection: projects, copy: ["scope": "scope", "budget": "budget"], linkBack: "proposal_id"))

    public static let proposals = "proposals"
    public static let pipeline = "pipeline"
    public static let projects = "projects"
}

/// Where tests plug a deliberately broken rule runner into a run (see
/// `SimulationHooks.rules`); production runs use `RuleHooks.production`.
public struct RuleHooks: Sendable {
    /// The record a rule's write goes to, given the engine's choice and the
    /// node making it.
    public var record: @Sendable (_ write: RuleWrite, _ node: Int) -> String

    public init(record: @escaping @Sendable (_ write: RuleWrite, _ node: Int) -> String = { write, _ in write.record }) {
        self.record = record
    }

    /// The engine's records, unchanged.
    public static let production = RuleHooks()
}

/// One rule firing on one node: the triggering change (an acknowledged
/// local write that made the condition hold there) and the writes it led to.
struct RuleFiring {
    var node: Int
    var source: String
    /// The triggering batch's name (`n2#7`).
    var change: String
    /// The values of the copied fields the trigger saw.
    var scope: Value?
    var budget: Value?
    var deal: String?
    /// The writes the engine asked for, by effect (no update where the
    /// source had no link), and the acknowledged writes made for them.
    var asked: [RuleWrite.Effect: Int] = [:]
    var made: [RuleWrite.Effect: Int] = [:]
}
