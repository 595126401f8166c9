import TandemTestSupport
import Testing
import TandemCore
import TandemSimulation

/// The reference model's rules on hand-written histories, independent of
/// the CRDT code.
@Suite(.ownThread) struct ReferenceModelTests {
    typealias Model = ReferenceModel
    let a = NodeID(words: 1, 0, 0, 0)
    let b = NodeID(words: 2, 0, 0, 0)

    func write(_ writer: Int, _ sequence: UInt64, at timestamp: UInt64, _ effects: [Model.Effect], observed: [Model.EffectID] = []) -> Model.Write {
        Model.Write(
            id: Model.WriteID(writer: writer, sequence: sequence), writer: writer == 0 ? a : b,
            timestamp: timestamp, collection: "c", effects: effects, observed: Set(observed))
    }

    /// Effect `index` of write `sequence` of `writer`.
    func id(_ writer: Int, _ sequence: UInt64, _ index: Int = 0) -> Model.EffectID {
        Model.EffectID(write: Model.WriteID(writer: writer, sequence: sequence), index: index)
    }

    @Test func concurrentWritesAreAllKeptAndTheLaterWins() throws {
        var model = Model()
        model.record(write(0, 1, at: 10, [.field(record: "r", name: "f", value: .string("x"))]))
        model.record(write(1, 1, at: 20, [.field(record: "r", name: "f", value: .string("y"))]))
        let field = try #require(model.expectedState()["c"]?["r"]?.fields["f"])
        #expect(field.value == .string("y"))
        #expect(field.versions.map(\.value) == [.string("y"), .string("x")])
    }

    @Test func equalTimestampsFallToTheWriterKey() throws {
        var model = Model()
        model.record(write(1, 1, at: 10, [.field(record: "r", name: "f", value: .string("b"))]))
        model.record(write(0, 1, at: 10, [.field(record: "r", name: "f", value: .string("a"))]))
        #expect(try #require(model.expectedState()["c"]?["r"]?.fields["f"]).value == .string("b"))
    }

    @Test func anObservedWriteIsOverwritten() throws {
        var model = Model()
        model.record(write(0, 1, at: 10, [.field(record: "r", name: "f", value: .string("x"))]))
        model.record(write(1, 1, at: 20, [.field(record: "r", name: "f", value: .string("y"))], observed: [id(0, 1)]))
        let field = try #require(model.expectedState()["c"]?["r"]?.fields["f"])
        #expect(field.versions.map(\.value) == [.string("y")])
    }

    @Test func aDeleteKeepsAConcurrentUpdateAndRemovesWhatItSaw() throws {
        var model = Model()
        model.record(write(0, 1, at: 10, [.field(record: "r", name: "f", value: .string("x")), .field(record: "r", name: "g", value: .string("z"))]))
        model.record(write(1, 1, at: 20, [.erase(record: "r")], observed: [id(0, 1, 0), id(0, 1, 1)]))
        model.record(write(0, 2, at: 21, [.field(record: "r", name: "g", value: .string("w"))], observed: [id(0, 1, 0), id(0, 1, 1)]))
        let record = try #require(model.expectedState()["c"]?["r"])
        #expect(record.fields["f"] == nil)
        #expect(record.fields["g"]?.value == .string("w"))
    }

    @Test func aDeleteOfEverythingSeenRemovesTheRecord() {
        var model = Model()
        model.record(write(0, 1, at: 10, [.exists(record: "r")]))
        model.record(write(0, 2, at: 11, [.add(record: "r", set: "s", element: .string("e"))], observed: [id(0, 1)]))
        model.record(write(1, 1, at: 20, [.erase(record: "r")], observed: [id(0, 1), id(0, 2)]))
        #expect(model.expectedState()["c"]?["r"] == nil)
    }

    @Test func addWinsOverAConcurrentRemove() {
        var model = Model()
        model.record(write(0, 1, at: 10, [.add(record: "r", set: "s", element: .string("e"))]))
        model.record(write(1, 1, at: 20, [.remove(record: "r", set: "s", element: .string("e"))], observed: [id(0, 1)]))
        #expect(model.expectedState()["c"]?["r"]?.sets["s"] == nil)
        model.record(write(0, 2, at: 15, [.add(record: "r", set: "s", element: .string("e"))], observed: [id(0, 1)]))
        #expect(model.expectedState()["c"]?["r"]?.sets["s"] == [.string("e")])
    }

    @Test func aReAddSupersedesTheAddItSaw() {
        // n1 holds only the second add (which saw the first); its remove
        // clears that one, and the first is already superseded by it.
        var model = Model()
        model.record(write(0, 1, at: 10, [.add(record: "r", set: "s", element: .string("e"))]))
        model.record(write(0, 2, at: 11, [.add(record: "r", set: "s", element: .string("e"))], observed: [id(0, 1)]))
        model.record(write(1, 1, at: 20, [.remove(record: "r", set: "s", element: .string("e"))], observed: [id(0, 2)]))
        #expect(model.expectedState()["c"]?["r"] == nil)
    }

    @Test func aWriteCanBeSeenInPart() throws {
        // n0 writes f and g, then overwrites g. n1 has only the overwrite,
        // which tells it about the first write's g and not its f: n1's
        // delete clears g's write and the overwrite, and f survives.
        var model = Model()
        model.record(write(0, 1, at: 10, [.field(record: "r", name: "f", value: .string("x")), .field(record: "r", name: "g", value: .string("y"))]))
        model.record(write(0, 2, at: 11, [.field(record: "r", name: "g", value: .string("z"))], observed: [id(0, 1, 0), id(0, 1, 1)]))
        model.record(write(1, 1, at: 20, [.erase(record: "r")], observed: [id(0, 1, 1), id(0, 2)]))
        let record = try #require(model.expectedState()["c"]?["r"])
        #expect(record.fields["f"]?.value == .string("x"))
        #expect(record.fields["g"] == nil)
    }
}
