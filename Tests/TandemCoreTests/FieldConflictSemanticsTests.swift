import TandemCore
import TandemTestSupport
import Testing

/// docs/semantics.md, the rows about concurrent writes to fields.
@Suite(.ownThread) struct FieldConflictSemanticsTests {
    let a = Fixture.a, b = Fixture.b, c = Fixture.c
    func t(_ physical: UInt64, _ logical: UInt64 = 0) -> HLCTimestamp { Fixture.timestamp(physical, logical) }

    @Test("write/write, same field, different timestamps")
    func writeWriteSameFieldDifferentTimestamps() throws {
        var replicaA = RecordCollection()
        try replicaA.set("name", to: .string("Ann"), in: "r1", by: a, at: t(1_000))
        var replicaB = replicaA
        // Concurrent: neither has seen the other's write. The lower node id
        // has the greater timestamp, so the timestamp must decide.
        let fromA = try replicaA.set("name", to: .string("Anna"), in: "r1", by: a, at: t(1_005))
        let fromB = try replicaB.set("name", to: .string("Annie"), in: "r1", by: b, at: t(1_002))
        replicaA.join(fromB)
        replicaB.join(fromA)

        #expect(replicaA == replicaB)
        for replica in [replicaA, replicaB] {
            #expect(replica.value(of: "name", in: "r1") == .string("Anna"))
            let loser = try #require(replica.record("r1")?.conflicts["name"]?.first)
            #expect(replica.record("r1")?.conflicts["name"]?.count == 1)
            #expect(loser.value == .string("Annie"))
            #expect(loser.dot.node == b)
            #expect(loser.timestamp == t(1_002))
        }
    }

    @Test("write after seeing a conflict")
    func writeAfterSeeingAConflict() throws {
        var replicaA = RecordCollection()
        var replicaB = RecordCollection()
        let fromA = try replicaA.set("name", to: .string("Anna"), in: "r1", by: a, at: t(1_000))
        let fromB = try replicaB.set("name", to: .string("Annie"), in: "r1", by: b, at: t(1_001))
        var replicaC = RecordCollection()
        replicaC.join(fromA)
        replicaC.join(fromB)
        #expect(replicaC.record("r1")?.conflicts["name"]?.map(\.value) == [.string("Anna")])

        // C has seen both writes; its write replaces both everywhere.
        let fromC = try replicaC.set("name", to: .string("Ann C."), in: "r1", by: c, at: t(1_002))
        #expect(replicaC.record("r1")?.conflicts.isEmpty == true)
        replicaA.join(fromC)
        replicaB.join(fromC)
        replicaA.join(fromB)
        replicaB.join(fromA)
        for replica in [replicaA, replicaB, replicaC] {
            #expect(replica == replicaC)
            #expect(replica.value(of: "name", in: "r1") == .string("Ann C."))
            #expect(replica.record("r1")?.conflicts.isEmpty == true)
            #expect(replica.registerEntryCount == 1)
        }
    }

    @Test("write/write, same field, equal timestamps")
    func writeWriteSameFieldEqualTimestamps() throws {
        // a and b differ only in their last byte; b is the greater id.
        #expect(a < b)
        var replicaA = RecordCollection()
        var replicaB = RecordCollection()
        let fromA = try replicaA.set("name", to: .string("by a"), in: "r1", by: a, at: t(1_000, 3))
        let fromB = try replicaB.set("name", to: .string("by b"), in: "r1", by: b, at: t(1_000, 3))
        replicaA.join(fromB)
        replicaB.join(fromA)
        var viaAB = RecordCollection()
        viaAB.join(fromA)
        viaAB.join(fromB)
        var viaBA = RecordCollection()
        viaBA.join(fromB)
        viaBA.join(fromA)
        for replica in [replicaA, replicaB, viaAB, viaBA] {
            #expect(replica == replicaA)
            #expect(replica.value(of: "name", in: "r1") == .string("by b"))
            #expect(replica.record("r1")?.conflicts["name"]?.map(\.value) == [.string("by a")])
        }
    }

    @Test("write/write, different fields")
    func writeWriteDifferentFields() throws {
        var replicaA = RecordCollection()
        var replicaB = RecordCollection()
        let fromA = try replicaA.set("name", to: .string("Ann"), in: "r1", by: a, at: t(1_000))
        let fromB = try replicaB.set("email", to: .string("ann@example.com"), in: "r1", by: b, at: t(1_000))
        replicaA.join(fromB)
        replicaB.join(fromA)
        #expect(replicaA == replicaB)
        #expect(replicaA.record("r1")?.fields == ["name": .string("Ann"), "email": .string("ann@example.com")])
        #expect(replicaA.record("r1")?.conflicts.isEmpty == true)
    }

    @Test("a misbehaving node reuses a dot with another value")
    func misbehavingNodeReusesADot() throws {
        let dot = Dot(node: a, counter: 1)
        func register(_ value: Value, at timestamp: HLCTimestamp) -> LWWRegister {
            LWWRegister(state: Causal(
                store: RegisterStore(trusted: [RegisterEntry(dot: dot, timestamp: timestamp, value: value)]),
                context: CausalContext(dots: [dot])))
        }
        // Greater stamp wins; on equal stamps the greater value.
        let early = register(.string("early"), at: t(1_000))
        let late = register(.string("late"), at: t(1_001))
        #expect(early.joined(late) == late.joined(early))
        #expect(early.joined(late).value == .string("late"))
        let low = register(.int(1), at: t(1_000))
        let high = register(.int(2), at: t(1_000))
        #expect(low.joined(high) == high.joined(low))
        #expect(low.joined(high).value == .int(2))
        #expect(low.joined(high).conflicts.isEmpty)
    }
}
