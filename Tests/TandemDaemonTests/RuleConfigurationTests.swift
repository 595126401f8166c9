import Foundation
import TandemCore
import TandemDaemon
import TandemRules
import Testing

/// `[[rule]]` (docs/configuration.md): parsed into the engine's rules, and
/// every bad rule refused with the file, line, key and what is expected.
@Suite("rule configuration")
struct RuleConfigurationTests {
    /// The scenario 2 node: proposals watched, deals updated, projects created.
    static let base = """
        [node]
        name = "proposals"
        data_dir = "data"
        key_file = "node.key"
        listen = "127.0.0.1:7401"

        [[collection]]
        name = "proposals"

        [[collection]]
        name = "deals"
        match_key = "code"

        [[collection]]
        name = "projects"

        """
    static let rule = """

        [[rule]]
        name = "signed-proposal"
        collection = "proposals"
        when = { field = "status", equals = "signed" }
        [rule.update]
        collection = "deals"
        link = "deal_id"
        set = { stage = "won" }
        [rule.create]
        collection = "projects"
        copy = { scope = "scope", budget = "budget", timeline = "timeline" }
        set = { state = "planned", kickoff = true }
        link_back = "proposal_id"

        """

    @Test func theScenarioRuleParses() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let file = try fixture.parse(Self.base + Self.rule)
        #expect(file.rules == [Rule(
            name: "signed-proposal", collection: "proposals", field: "status", condition: .equals(.string("signed")),
            update: RelatedUpdate(collection: "deals", link: "deal_id", target: .matchKey(field: "code"), set: ["stage": .string("won")]),
            create: CreatedRecord(
                collection: "projects", copy: ["scope": "scope", "budget": "budget", "timeline": "timeline"],
                set: ["state": .string("planned"), "kickoff": .bool(true)], linkBack: "proposal_id"))])
    }

    @Test func conditionsOfEveryKind() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        for (when, expected) in [
            ("{ field = \"amount\", equals = 3 }", RuleCondition.equals(.int(3))),
            ("{ field = \"signed_at\", non_empty = true }", .nonEmpty),
            ("{ field = \"renewal\", on_or_after = \"2027-01-01\" }", .onOrAfter("2027-01-01")),
            ("{ field = \"renewal\", before = \"2027-01-01\" }", .before("2027-01-01")),
        ] {
            let text = Self.base + Self.rule.replacingOccurrences(of: "{ field = \"status\", equals = \"signed\" }", with: when)
            #expect(try fixture.parse(text).rules.first?.condition == expected)
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        var replace: String
        var with: String
        var expected: String
        var description: String { expected }
    }

    static let cases: [Case] = [
        Case(replace: "collection = \"proposals\"\nwhen", with: "collection = \"offers\"\nwhen",
             expected: "node.toml:19: rule[1].collection: no [[collection]] named \"offers\"; expected one of: proposals, deals, projects"),
        Case(replace: "equals = \"signed\"", with: "equals = \"signed\", non_empty = true",
             expected: "node.toml:20: rule[1].when.non_empty: one condition per rule; equals and non_empty are both set"),
        Case(replace: "equals = \"signed\"", with: "on_or_after = \"next year\"",
             expected: "node.toml:20: rule[1].when.on_or_after: expected an ISO 8601 date such as \"2027-01-01\", got \"next year\""),
        Case(replace: "equals = \"signed\"", with: "matches = \"sign*\"",
             expected: "node.toml:20: rule[1].when: missing the condition: one of equals, non_empty = true, on_or_after, before"),
        Case(replace: "link = \"deal_id\"\n", with: "",
             expected: "node.toml:21: rule[1].update: missing key `link` (the watched record's field holding the linked record's key)"),
        Case(replace: "set = { stage = \"won\" }", with: "set = { stage = [\"won\"] }",
             expected: "node.toml:24: rule[1].update.set.stage: expected a string, integer, number or boolean, got an array"),
        Case(replace: "collection = \"projects\"\ncopy", with: "collection = \"tasks\"\ncopy",
             expected: "node.toml:26: rule[1].create.collection: no [[collection]] named \"tasks\"; expected one of: proposals, deals, projects"),
        Case(replace: "link_back = \"proposal_id\"", with: "link_back = \"scope\"",
             expected: "node.toml:29: rule[1].create.link_back: \"scope\" is also written by copy or set"),
        Case(replace: "link_back = \"proposal_id\"", with: "then = \"notify\"",
             expected: "node.toml:29: rule[1].create.then: unknown key; expected one of: collection, copy, set, link_back"),
    ]

    @Test("a bad rule names the file, line, key and what is expected", arguments: cases)
    func badRule(_ change: Case) throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let text = Self.base + Self.rule
        #expect(text.contains(change.replace))
        #expect(fixture.error(text.replacingOccurrences(of: change.replace, with: change.with))?.description == change.expected)
    }

    @Test func aRuleWithoutEffectIsRefused() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let text = Self.base + "\n[[rule]]\nname = \"idle\"\ncollection = \"proposals\"\nwhen = { field = \"status\", non_empty = true }\n"
        #expect(fixture.error(text)?.description
            == "node.toml:17: rule[1]: a rule needs an effect: [rule.update], [rule.create] or both")
    }

    @Test func aFieldOwnedByAnotherNodeIsRefused() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let text = Self.base.replacingOccurrences(of: "match_key = \"code\"", with: "match_key = \"code\"\nowners = { stage = \"pipeline\" }")
            + "\n[[peer]]\nname = \"pipeline\"\naddress = \"127.0.0.1:7402\"\npublic_key = \"\(fixture.peerKey)\"\n" + Self.rule
        #expect(fixture.error(text)?.description
            == "node.toml:30: rule[1].update.set: deals.stage is owned by \"pipeline\"; a rule's writes are made and signed by the node that committed the triggering change (this node, \"proposals\"), so every node would refuse them")
    }

    @Test func aCycleOfRulesIsRefusedAtTheFirstRule() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let back = """

            [[rule]]
            name = "won-deal"
            collection = "projects"
            when = { field = "scope", non_empty = true }
            [rule.create]
            collection = "proposals"
            copy = { scope = "scope" }

            """
        #expect(fixture.error(Self.base + Self.rule + back)?.description
            == "node.toml:18: rule[1].name: rules form a cycle: signed-proposal writes projects (watched by won-deal), won-deal writes proposals (watched by signed-proposal); they could fire one another forever")
    }

    @Test func aDuplicateNameIsRefused() throws {
        let fixture = try ConfigurationFixture()
        defer { fixture.remove() }
        let second = Self.rule.replacingOccurrences(of: "collection = \"projects\"\ncopy", with: "collection = \"deals\"\ncopy")
            .replacingOccurrences(of: "[rule.update]\ncollection = \"deals\"\nlink = \"deal_id\"\nset = { stage = \"won\" }\n", with: "")
        #expect(fixture.error(Self.base + Self.rule + second)?.description
            == "node.toml:32: rule[2].name: rule[1] is already named \"signed-proposal\"; names must be unique")
    }
}
