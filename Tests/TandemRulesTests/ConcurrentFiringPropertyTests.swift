import PropertyBased
import TandemCore
import TandemRules
import TandemTestSupport
import TandemPropertySupport
import Testing

/// Two nodes that fire the same rule for the same proposal at the same time
/// (each saw the proposal signed: by itself, or one by each) end up, once
/// they exchange their writes in any order, with one project and one deal,
/// holding the same values.
@Suite(.ownThread) struct ConcurrentFiringPropertyTests {
    /// Applies `writes` as `node`'s local writes at `timestamp`; returns the deltas.
    static func apply(
        _ writes: [RuleWrite], by node: NodeID, at timestamp: HLCTimestamp, to replicas: inout [String: RecordCollection]
    ) throws -> [(String, RecordCollection)] {
        try writes.map { write in
            let fields = write.fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            let delta = try replicas[write.collection, default: RecordCollection()].update(
                write.record, fields: fields, by: node, at: timestamp)
            return (write.collection, delta)
        }
    }

    @Test func twoNodesFiringConcurrentlyCreateOneProject() throws {
        let engine = try RuleEngine(rules: [Fixtures.signedProposal])
        let generator = zip(
            Gen.letterOrNumber.string(of: 1...12), Gen.int(in: 0...1_000_000), Gen.letterOrNumber.string(of: 1...8),
            Gen.uint64(in: 1...1_000_000), Gen.uint64(in: 1...1_000_000), Gen.bool, Gen.uint64())
        forAll(generator, count: 200, seed: 18) { source, budget, deal, timeA, timeB, sameBefore, order in
            var proposal = Fixtures.proposal(status: "signed", deal: deal)
            proposal["budget"] = .int(Int64(budget))
            // A saw the proposal go from sent to signed; B saw it created signed (or the same).
            let seenByA = RuleChange(collection: "proposals", record: source, before: Fixtures.proposal(status: "sent"),
                                     after: proposal, change: "A:1")
            let seenByB = RuleChange(collection: "proposals", record: source, before: sameBefore ? seenByA.before : nil,
                                     after: proposal, change: "B:1")
            var replicaA: [String: RecordCollection] = [:]
            var replicaB: [String: RecordCollection] = [:]
            let deltasA = try Self.apply(engine.evaluate(seenByA).writes, by: Fixtures.nodeA,
                                         at: try HLCTimestamp(physical: timeA, logical: 0), to: &replicaA)
            let deltasB = try Self.apply(engine.evaluate(seenByB).writes, by: Fixtures.nodeB,
                                         at: try HLCTimestamp(physical: timeB, logical: 0), to: &replicaB)
            // Exchange, in an order the generator picks.
            let toA = order & 1 == 0 ? deltasB : deltasB.reversed()
            let toB = order & 2 == 0 ? deltasA : deltasA.reversed()
            for (collection, delta) in toA { replicaA[collection, default: RecordCollection()].join(delta) }
            for (collection, delta) in toB { replicaB[collection, default: RecordCollection()].join(delta) }
            try #require(replicaA == replicaB)
            let projects = try #require(replicaA["projects"])
            try #require(projects.records.count == 1, "one project, not one per node")
            let project = try #require(projects.record(RuleEngine.createdRecordID(rule: "signed-proposal", source: source)))
            try #require(project.fields["budget"] == .int(Int64(budget)))
            try #require(project.fields["proposal_id"] == .string(source))
            try #require(project.conflicts.isEmpty || project.conflicts.values.allSatisfy { entries in
                entries.allSatisfy { entry in project.fields.values.contains(entry.value) }
            }, "concurrent writes of one value lose nothing")
            let deals = try #require(replicaA["deals"])
            try #require(deals.records.count == 1)
            try #require(deals.record(try #require(RuleLink.matchKey(field: "code").recordID(for: .string(deal))))?.fields["stage"] == .string("won"))
        }
    }
}
