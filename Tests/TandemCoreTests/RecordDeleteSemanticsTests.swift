import TandemCore
import TandemTestSupport
import Testing

/// docs/semantics.md, the rows about deleting records.
@Suite(.ownThread) struct RecordDeleteSemanticsTests {
    let a = Fixture.a, b = Fixture.b
    func t(_ physical: UInt64, _ logical: UInt64 = 0) -> HLCTimestamp { Fixture.timestamp(physical, logical) }

    /// Replica a's record r1 with two fields and a tag, and a replica b that has seen it.
    func sharedRecord() throws -> (RecordCollection, RecordCollection) {
        var replicaA = RecordCollection()
        try replicaA.update("r1", fields: [("name", .string("Ann")), ("email", .string("ann@example.com"))], by: a, at: t(1_000))
        try replicaA.add(.string("vip"), toSet: "tags", in: "r1", by: a)
        var replicaB = RecordCollection()
        replicaB.join(replicaA)
        return (replicaA, replicaB)
    }

    /// Rewriting a field the deleter had seen, or writing a new one.
    @Test("write/delete of the same record", arguments: ["name", "phone"])
    func writeDeleteOfTheSameRecord(field: String) throws {
        var (replicaA, replicaB) = try sharedRecord()
        let deletion = replicaA.delete("r1")
        #expect(!replicaA.contains("r1"))
        let write = try replicaB.set(field, to: .string("new"), in: "r1", by: b, at: t(1_001))
        replicaA.join(write)
        replicaB.join(deletion)

        #expect(replicaA == replicaB)
        let view = try #require(replicaA.record("r1"))
        #expect(view.fields == [field: .string("new")])
        #expect(view.sets.isEmpty)
        #expect(view.conflicts.isEmpty)
    }

    @Test("delete after seeing the write")
    func deleteAfterSeeingTheWrite() throws {
        var (replicaA, replicaB) = try sharedRecord()
        let write = try replicaA.set("name", to: .string("Anna"), in: "r1", by: a, at: t(1_001))
        replicaB.join(write)
        let deletion = replicaB.delete("r1")
        replicaA.join(deletion)
        for replica in [replicaA, replicaB] {
            #expect(replica == replicaB)
            #expect(!replica.contains("r1"))
            #expect(replica.record("r1") == nil)
            #expect(replica.count == 0)
            // Remembered only in the context, not as a tombstone.
            #expect(replica.context.contains(Dot(node: a, counter: 4)))
        }
        // A late duplicate of the write cannot resurrect the record.
        replicaA.join(write)
        #expect(!replicaA.contains("r1"))
    }

    @Test("delete/delete")
    func deleteDelete() throws {
        var (replicaA, replicaB) = try sharedRecord()
        let deletionA = replicaA.delete("r1")
        let deletionB = replicaB.delete("r1")
        replicaA.join(deletionB)
        replicaB.join(deletionA)
        #expect(replicaA == replicaB)
        #expect(!replicaA.contains("r1"))
        let settled = replicaA
        replicaA.join(deletionA)
        replicaA.join(deletionB)
        #expect(replicaA == settled)
        // Deleting an absent record is a no-op with an empty delta.
        #expect(replicaA.delete("r1") == RecordCollection())
        #expect(replicaA == settled)
    }

    @Test("insert (presence)/delete")
    func insertPresenceDelete() throws {
        var (replicaA, replicaB) = try sharedRecord()
        let deletion = replicaA.delete("r1")
        let insertion = try replicaB.insert("r1", by: b)
        replicaA.join(insertion)
        replicaB.join(deletion)
        #expect(replicaA == replicaB)
        let view = try #require(replicaA.record("r1"))
        #expect(view.fields.isEmpty)
        #expect(view.sets.isEmpty)
        #expect(replicaA.records["r1"]?.presence.elements == [Dot(node: b, counter: 1)])
    }
}
