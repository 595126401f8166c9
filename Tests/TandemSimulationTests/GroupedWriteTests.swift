import TandemTestSupport
import Testing
import TandemCore
import TandemSimulation

/// Grouped writes: several operations committed as one batch, as a node's
/// group commit does, in runs and in the reference model.
@Suite(.ownThread) struct GroupedWriteTests {
    typealias Model = ReferenceModel
    let a = NodeID(words: 1, 0, 0, 0)

    /// One write of node `a` with `effects`, in order.
    func group(_ effects: [Model.Effect]) -> Model.Write {
        Model.Write(
            id: Model.WriteID(writer: 0, sequence: 1), writer: a, timestamp: 10, collection: "c",
            effects: effects, observed: [])
    }

    @Test func aShareOfPlannedWritesIsGrouped() {
        let plans = (UInt64(1)...20).map { Simulation.plan(seed: $0, config: SimulationConfig(nodeCount: 5)) }
        let grouped = plans.reduce(0) { $0 + $1.groupedWriteCount }
        #expect(grouped > 20)
        for plan in plans {
            for item in plan.items {
                guard case .write(_, let ops) = item.action else { continue }
                #expect((1...4).contains(ops.count))
                #expect(Set(ops.map(\.collection)).count == 1)
            }
        }
    }

    @Test func aSeedWithGroupedWritesPassesAndTracesAGroupedBatch() throws {
        var config = SimulationConfig(nodeCount: 5)
        config.trace = true
        let seed = try #require((UInt64(1)...20).first { Simulation.plan(seed: $0, config: config).groupedWriteCount > 0 })
        let result = Simulation.run(seed: seed, config: config)
        #expect(result.passed, "\(result.line)\n\(result.failures.map(\.description).joined(separator: "\n"))")
        #expect(result.metrics.groupedWrites > 0)
        #expect(result.metrics.groupedOperations >= 2 * result.metrics.groupedWrites)
        let grouped = result.trace.filter { $0.contains(": group of ") && $0.contains("-> acknowledged as") }
        #expect(!grouped.isEmpty, "seed \(seed): no acknowledged grouped write in the trace")
    }

    @Test func aLaterWriteOfAFieldInTheSameGroupOverwritesTheEarlier() throws {
        var model = Model()
        model.record(group([
            .field(record: "r", name: "f", value: .string("first")),
            .field(record: "r", name: "f", value: .string("second")),
        ]))
        let field = try #require(model.expectedState()["c"]?["r"]?.fields["f"])
        #expect(field.versions.map(\.value) == [.string("second")])
    }

    @Test func aDeleteAfterAnInsertInTheSameGroupRemovesTheRecord() {
        var model = Model()
        model.record(group([.exists(record: "r"), .field(record: "r", name: "f", value: .int(1)), .erase(record: "r")]))
        #expect(model.expectedState()["c"]?["r"] == nil)
    }

    @Test func aWriteAfterADeleteInTheSameGroupSurvivesIt() throws {
        var model = Model()
        model.record(group([.field(record: "r", name: "f", value: .int(1)), .erase(record: "r"), .field(record: "r", name: "g", value: .int(2))]))
        let record = try #require(model.expectedState()["c"]?["r"])
        #expect(record.fields["f"] == nil)
        #expect(record.fields["g"]?.value == .int(2))
    }

    @Test func setOperationsInOneGroupApplyInOrder() throws {
        var model = Model()
        let x = Value.string("x")
        let y = Value.string("y")
        model.record(group([
            .add(record: "r", set: "s", element: x), .remove(record: "r", set: "s", element: x),
            .remove(record: "r", set: "s", element: y), .add(record: "r", set: "s", element: y),
        ]))
        let record = try #require(model.expectedState()["c"]?["r"])
        #expect(record.sets["s"] == [y])
    }

    @Test func otherRecordsOfAGroupAreUntouched() throws {
        var model = Model()
        model.record(group([.field(record: "r", name: "f", value: .int(1)), .erase(record: "q")]))
        #expect(try #require(model.expectedState()["c"]?["r"]).fields["f"]?.value == .int(1))
    }
}
