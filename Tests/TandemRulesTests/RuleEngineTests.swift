import TandemAdapterCore
import TandemCore
import TandemRules
import TandemTestSupport
import Testing

@Suite(.ownThread) struct RuleEngineTests {
    let engine: RuleEngine

    init() throws { engine = try RuleEngine(rules: [Fixtures.signedProposal]) }

    @Test func signingWinsTheDealAndCreatesTheProject() {
        let evaluation = engine.evaluate(Fixtures.change(before: Fixtures.proposal(status: "sent"), after: Fixtures.proposal(status: "signed")))
        #expect(evaluation.problems.isEmpty)
        #expect(evaluation.writes.map(\.effect) == [.update, .create])
        let update = evaluation.writes[0]
        #expect(update.collection == "deals")
        #expect(update.record == "code:d-7")
        #expect(update.fields == ["stage": .string("won")])
        let create = evaluation.writes[1]
        #expect(create.collection == "projects")
        #expect(create.record == "signed-proposal:p-1")
        #expect(create.fields == [
            "scope": .string("Website"), "budget": .int(12_000), "timeline": .string("Q1 2027"), "proposal_id": .string("p-1"),
        ])
        #expect(create.firedBy == ["signed-proposal"])
        #expect(create.auditDetail.contains("rule signed-proposal (create) fired by p-1 change a:1"))
    }

    @Test func aNewRecordThatIsAlreadySignedFires() {
        let evaluation = engine.evaluate(Fixtures.change(before: nil, after: Fixtures.proposal(status: "signed")))
        #expect(evaluation.writes.count == 2)
    }

    @Test func aChangeThatLeavesTheConditionHoldingDoesNotFire() {
        var after = Fixtures.proposal(status: "signed")
        after["scope"] = .string("Website and shop")
        #expect(engine.evaluate(Fixtures.change(before: Fixtures.proposal(status: "signed"), after: after)).writes.isEmpty)
    }

    @Test func otherValuesDeletesAndOtherCollectionsDoNotFire() {
        #expect(engine.evaluate(Fixtures.change(before: nil, after: Fixtures.proposal(status: "sent"))).writes.isEmpty)
        #expect(engine.evaluate(Fixtures.change(before: Fixtures.proposal(status: "signed"), after: nil)).writes.isEmpty)
        var other = Fixtures.change(before: nil, after: Fixtures.proposal(status: "signed"))
        other.collection = "deals"
        #expect(engine.evaluate(other).writes.isEmpty)
    }

    @Test func aRuleNeverFiresOnItsOwnWrites() {
        let evaluation = engine.evaluate(
            Fixtures.change(before: nil, after: Fixtures.proposal(status: "signed"), firedBy: ["signed-proposal"]))
        #expect(evaluation.writes.isEmpty)
    }

    @Test func signingAgainAfterAnUnsignRefreshesTheSameProject() {
        let first = engine.evaluate(Fixtures.change(before: Fixtures.proposal(status: "sent"), after: Fixtures.proposal(status: "signed")))
        let again = engine.evaluate(Fixtures.change(before: Fixtures.proposal(status: "draft"), after: Fixtures.proposal(status: "signed")))
        #expect(first.writes.last?.record == again.writes.last?.record)
    }

    @Test func anEmptyLinkIsAProblemButTheProjectIsStillCreated() {
        var after = Fixtures.proposal(status: "signed")
        after["deal_id"] = .string("  ")
        let evaluation = engine.evaluate(Fixtures.change(before: nil, after: after))
        #expect(evaluation.writes.map(\.effect) == [.create])
        #expect(evaluation.problems.count == 1)
        #expect(evaluation.problems[0].description.contains("deal_id is empty"))
    }

    @Test func absentSourceFieldsAreNotCopied() {
        var after = Fixtures.proposal(status: "signed")
        after["timeline"] = nil
        let create = engine.evaluate(Fixtures.change(before: nil, after: after)).writes.last
        #expect(create?.fields["timeline"] == nil)
        #expect(create?.fields["scope"] == .string("Website"))
    }

    @Test func conditions() {
        #expect(RuleCondition.nonEmpty.holds(for: .string("x")))
        #expect(!RuleCondition.nonEmpty.holds(for: .string("")))
        #expect(!RuleCondition.nonEmpty.holds(for: .null))
        #expect(!RuleCondition.nonEmpty.holds(for: nil))
        #expect(RuleCondition.nonEmpty.holds(for: .int(0)))
        #expect(RuleCondition.onOrAfter("2027-01-01").holds(for: .string("2027-01-01")))
        #expect(RuleCondition.onOrAfter("2027-01-01").holds(for: .string("2027-03-04T10:00:00Z")))
        #expect(!RuleCondition.onOrAfter("2027-01-01").holds(for: .string("2026-12-31")))
        #expect(RuleCondition.before("2027-01-01").holds(for: .string("2026-12-31T23:59:59Z")))
        #expect(!RuleCondition.before("2027-01-01").holds(for: .string("2027-01-01")))
        #expect(!RuleCondition.before("2027-01-01").holds(for: .string("soon")))
        #expect(!RuleCondition.onOrAfter("2027-01-01").holds(for: .int(1)))
        #expect(RuleCondition.isComparableDate("2027-01-01"))
        #expect(!RuleCondition.isComparableDate("01/01/2027"))
    }

    @Test func aDateRuleFiresWhenTheDateCrossesTheThreshold() throws {
        let rule = Rule(
            name: "renewal-due", collection: "contracts", field: "renewal_date", condition: .onOrAfter("2027-01-01"),
            create: CreatedRecord(collection: "tasks", copy: ["due": "renewal_date"], linkBack: "contract"))
        let engine = try RuleEngine(rules: [rule])
        func change(_ from: String, _ to: String) -> RuleChange {
            RuleChange(collection: "contracts", record: "c-1", before: ["renewal_date": .string(from)],
                       after: ["renewal_date": .string(to)], change: "a:2")
        }
        #expect(engine.evaluate(change("2026-06-01", "2027-02-01")).writes.count == 1)
        #expect(engine.evaluate(change("2027-01-05", "2027-02-01")).writes.isEmpty)
    }

    @Test func linksBecomeTheIdsAdaptersDerive() throws {
        #expect(RuleLink.matchKey(field: "code").recordID(for: .string("  D-7 ")) == "code:d-7")
        #expect(RuleLink.matchKey(field: "number").recordID(for: .int(42)) == "number:42")
        #expect(RuleLink.recordID.recordID(for: .string("deals/sqlite/deals:3")) == "deals/sqlite/deals:3")
        #expect(RuleLink.recordID.recordID(for: .null) == nil)
        // The same id an adapter with match key `code` gives the deal's row.
        let mapping = AdapterMapping(
            name: "deals/sqlite/deals", collection: "deals", table: "deals", keyColumn: "id",
            fields: [FieldBinding(field: "code", column: "code")], match: MatchRule(field: "code"))
        let identity = RecordIdentity(
            mapping: mapping, schema: TableSchema(table: "deals", keyColumn: "id", columns: ["id": .integer, "code": .text]))
        #expect(identity.recordID(key: "1", row: ["code": .text(" D-7")]) == .record("code:d-7"))
    }
}

@Suite(.ownThread) struct RuleSetTests {
    @Test func aCycleOfRulesIsRefused() {
        let toDeals = Rule(name: "a", collection: "proposals", field: "status", condition: .nonEmpty,
                           update: RelatedUpdate(collection: "deals", link: "deal_id", set: ["stage": .string("won")]))
        let toProposals = Rule(name: "b", collection: "deals", field: "stage", condition: .nonEmpty,
                               create: CreatedRecord(collection: "proposals", copy: ["status": "stage"]))
        #expect(throws: RuleSetError.cycle(["a", "b"], collections: ["deals", "proposals"])) {
            try RuleEngine(rules: [toDeals, toProposals])
        }
        let error = RuleSetError.cycle(["a", "b"], collections: ["deals", "proposals"])
        #expect(error.description == "rules form a cycle: a writes deals (watched by b), b writes proposals (watched by a); they could fire one another forever")
    }

    @Test func aLongerCycleIsFoundAndAChainIsNot() throws {
        func rule(_ name: String, _ from: String, _ to: String) -> Rule {
            Rule(name: name, collection: from, field: "f", condition: .nonEmpty, create: CreatedRecord(collection: to))
        }
        _ = try RuleEngine(rules: [rule("a", "x", "y"), rule("b", "y", "z")])
        _ = try RuleEngine(rules: [rule("self", "x", "x")])
        #expect(throws: RuleSetError.self) { try RuleEngine(rules: [rule("a", "x", "y"), rule("b", "y", "z"), rule("c", "z", "x")]) }
    }

    @Test func duplicateNamesAreRefused() {
        #expect(throws: RuleSetError.duplicateName("signed-proposal")) {
            try RuleEngine(rules: [Fixtures.signedProposal, Fixtures.signedProposal])
        }
    }

    @Test func aChainFiresOnceAndNeverBackIntoItsRules() throws {
        let first = Rule(name: "first", collection: "x", field: "f", condition: .nonEmpty,
                         create: CreatedRecord(collection: "y", copy: ["g": "f"]))
        let second = Rule(name: "second", collection: "y", field: "g", condition: .nonEmpty,
                          create: CreatedRecord(collection: "x", copy: ["f": "g"]))
        // Together they are a cycle; each alone writes what the other watches.
        #expect(throws: RuleSetError.self) { try RuleEngine(rules: [first, second]) }
        let engine = try RuleEngine(rules: [second])
        let write = RuleChange(collection: "y", record: "first:r", before: nil, after: ["g": .int(1)], change: "a:3", firedBy: ["first"])
        #expect(engine.evaluate(write).writes.first?.firedBy == ["first", "second"])
    }
}
