import TandemCore
import TandemRules

/// The rule of scenario 2 (docs/scenarios.md): a signed proposal wins its
/// deal and creates a project.
enum Fixtures {
    static let signedProposal = Rule(
        name: "signed-proposal", collection: "proposals", field: "status", condition: .equals(.string("signed")),
        update: RelatedUpdate(collection: "deals", link: "deal_id", target: .matchKey(field: "code"), set: ["stage": .string("won")]),
        create: CreatedRecord(
            collection: "projects", copy: ["scope": "scope", "budget": "budget", "timeline": "timeline"],
            linkBack: "proposal_id"))

    static func proposal(status: String, deal: String = "D-7") -> [String: Value] {
        ["status": .string(status), "deal_id": .string(deal), "scope": .string("Website"),
         "budget": .int(12_000), "timeline": .string("Q1 2027")]
    }

    static func change(
        _ record: String = "p-1", before: [String: Value]?, after: [String: Value]?, firedBy: [String] = []
    ) -> RuleChange {
        RuleChange(collection: "proposals", record: record, before: before, after: after, change: "a:1", firedBy: firedBy)
    }

    static let nodeA = NodeID(words: 0x0101_0101_0101_0101, 0, 0, 0xA0)
    static let nodeB = NodeID(words: 0x0101_0101_0101_0101, 0, 0, 0xB0)
}
