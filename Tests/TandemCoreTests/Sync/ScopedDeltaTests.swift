import TandemCore
import TandemTestSupport
import Testing

/// `DigestReconciliation.scopedDelta`, by example (MultiReplicaModelTests
/// checks it against the operation model on random leaf ranges): it carries
/// the sender's records of the range and the removals the sender's context
/// proves for the receiver's records there, and nothing about other records.
@Suite(.ownThread) struct ScopedDeltaTests {
    let id = "r1"
    var leaf: UInt16 { DigestReconciliation.leaf(of: id) }
    var everyLeaf: ClosedRange<UInt16> { 0...UInt16.max }

    /// The receiver joins `sender`'s scoped delta for `leaves`.
    func reconcile(_ receiver: inout RecordCollection, from sender: RecordCollection, leaves: ClosedRange<UInt16>) {
        let theirs = RecordCollection(
            trusted: sender.records.filter { leaves.contains(DigestReconciliation.leaf(of: $0.key)) }, context: sender.context)
        let ours = receiver.records.filter { leaves.contains(DigestReconciliation.leaf(of: $0.key)) }
        receiver.join(DigestReconciliation.scopedDelta(theirs: theirs, ours: ours))
    }

    @Test func removesWhatTheSenderDroppedOnlyInItsLeaves() throws {
        var sender = RecordCollection()
        let write = try sender.set("name", to: .string("Ann"), in: id, by: Fixture.a, at: Fixture.timestamp(1))
        sender.delete(id)
        var outside = RecordCollection()
        outside.join(write)
        var inside = outside
        let others: ClosedRange<UInt16> = leaf == .max ? 0...(leaf - 1) : (leaf + 1)...UInt16.max
        reconcile(&outside, from: sender, leaves: others)
        reconcile(&inside, from: sender, leaves: leaf...leaf)
        #expect(outside.value(of: "name", in: id) == .string("Ann"))
        #expect(!inside.contains(id))
    }

    @Test func bringsTheSendersEntriesButNotTheDotsTheyOverwrote() throws {
        var sender = RecordCollection()
        let old = try sender.set("name", to: .string("old"), in: id, by: Fixture.a, at: Fixture.timestamp(1))
        try sender.set("name", to: .string("new"), in: id, by: Fixture.a, at: Fixture.timestamp(2))
        var reconciled = RecordCollection()
        reconcile(&reconciled, from: sender, leaves: everyLeaf)
        #expect(reconciled.value(of: "name", in: id) == .string("new"))
        #expect(reconciled.record(id)?.conflicts.isEmpty == true)
        // The scoped context names the entries sent, not the write they
        // overwrote: a stale delta of that write arriving afterwards comes
        // back as a conflict (a full-state join would have dropped it). The
        // next reconciliation of that leaf removes it again.
        reconciled.join(old)
        #expect(reconciled.record(id)?.conflicts["name"]?.map(\.value) == [.string("old")])
        var joined = sender
        joined.join(old)
        #expect(joined.record(id)?.conflicts.isEmpty == true)
        reconcile(&reconciled, from: sender, leaves: everyLeaf)
        #expect(reconciled.record(id)?.conflicts.isEmpty == true)
    }
}
