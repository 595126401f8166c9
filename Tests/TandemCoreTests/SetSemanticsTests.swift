import TandemCore
import TandemTestSupport
import Testing

/// docs/semantics.md, the rows about add-wins set fields, for set fields of
/// records and for the standalone `AWORSet`.
@Suite(.ownThread) struct SetSemanticsTests {
    let a = Fixture.a, b = Fixture.b
    let vip = Value.string("vip")

    @Test("add/remove of the same set element")
    func addRemoveOfTheSameSetElement() throws {
        var replicaA = RecordCollection()
        try replicaA.add(vip, toSet: "tags", in: "r1", by: a)
        var replicaB = replicaA
        let removal = replicaA.remove(vip, fromSet: "tags", in: "r1")
        #expect(replicaA.elements(of: "tags", in: "r1").isEmpty)
        let addition = try replicaB.add(vip, toSet: "tags", in: "r1", by: b)
        replicaA.join(addition)
        replicaB.join(removal)
        #expect(replicaA == replicaB)
        #expect(replicaA.elements(of: "tags", in: "r1") == [vip])

        var setA = AWORSet()
        setA.add(vip, dot: setA.state.context.nextDot(for: a))
        var setB = setA
        let setRemoval = setA.remove(vip)
        let setAddition = setB.add(vip, dot: setB.state.context.nextDot(for: b))
        setA.join(setAddition)
        setB.join(setRemoval)
        #expect(setA == setB)
        #expect(setA.contains(vip))
        #expect(setA.elements == [vip])
    }

    @Test("remove after seeing the add")
    func removeAfterSeeingTheAdd() throws {
        var replicaA = RecordCollection()
        let addition = try replicaA.add(vip, toSet: "tags", in: "r1", by: a)
        var replicaB = RecordCollection()
        replicaB.join(addition)
        let removal = replicaB.remove(vip, fromSet: "tags", in: "r1")
        replicaA.join(removal)
        #expect(replicaA == replicaB)
        #expect(replicaA.elements(of: "tags", in: "r1").isEmpty)
        // The record held nothing else, so it is gone too.
        #expect(!replicaA.contains("r1"))

        var setA = AWORSet()
        let setAddition = setA.add(vip, dot: setA.state.context.nextDot(for: a))
        var setB = AWORSet()
        setB.join(setAddition)
        setA.join(setB.remove(vip))
        #expect(!setA.contains(vip))
        #expect(setA == setB)
        // A late duplicate of the add stays removed.
        setA.join(setAddition)
        #expect(!setA.contains(vip))
    }

    @Test("add/add of the same element")
    func addAddOfTheSameElement() throws {
        var setA = AWORSet()
        var setB = AWORSet()
        let fromA = setA.add(vip, dot: setA.state.context.nextDot(for: a))
        let fromB = setB.add(vip, dot: setB.state.context.nextDot(for: b))
        var setC = AWORSet()
        setC.join(fromA)
        // A remove that saw only a's add leaves b's.
        let partialRemoval = setC.remove(vip)
        setA.join(fromB)
        setB.join(fromA)
        #expect(setA == setB)
        #expect(setA.elements == [vip])
        #expect(setA.state.store[vip].elements.count == 2)
        setA.join(partialRemoval)
        #expect(setA.contains(vip))
        #expect(setA.state.store[vip].elements == [Dot(node: b, counter: 1)])
        // A remove that saw both removes it.
        setB.remove(vip)
        setA.join(setB)
        #expect(!setA.contains(vip))
    }
}
