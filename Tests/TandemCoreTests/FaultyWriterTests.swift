import TandemCore
import TandemTestSupport
import Testing

/// docs/semantics.md: "a misbehaving node reuses a dot with another value:
/// every replica keeps the same one of the two". Convergence must survive a
/// faulty writer that reuses one dot for writes to two different records.
@Suite(.ownThread) struct FaultyWriterTests {
    let a = Fixture.a, b = Fixture.b
    let dot = Dot(node: Fixture.a, counter: 1)

    /// A delta writing `name = value` to record `id` under the reused dot.
    func write(_ value: String, to id: String) -> RecordCollection {
        let register = RegisterStore(trusted: [RegisterEntry(dot: dot, timestamp: Fixture.timestamp(1_000), value: .string(value))])
        let store = RecordStore(presence: DotSet(), fields: FieldMap(["name": register]), sets: DotMap())
        return RecordCollection(trusted: [id: store], context: CausalContext(dots: [dot]))
    }

    /// Every order of the faulty writes and a delete (made by a replica that
    /// saw only the first write) ends in the same state as the generic join.
    @Test func dotReusedAcrossRecordsStillConverges() throws {
        let first = write("x", to: "r1")
        let second = write("y", to: "r2")
        var deleter = first
        let deletion = deleter.delete("r1")
        let deltas = [first, second, deletion]

        let reference = deltas.reduce(Causal<DotMap<String, RecordStore>>()) { $0.joined($1.causal) }
        // The deleter saw the dot, so the generic join drops it everywhere.
        #expect(reference.store.isEmpty)
        for order in [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] {
            let replica = order.reduce(RecordCollection()) { $0.joined(deltas[$1]) }
            #expect(replica.causal == reference, "order \(order)")
        }
        // Pairwise joins of states sharing the reused dot.
        let both = first.joined(second)
        #expect(both.joined(deleter) == deleter.joined(both))
        #expect(both.joined(deleter).causal == both.causal.joined(deleter.causal))
    }

    /// Joined, two such writes cancel out (each side has seen the other's
    /// dot); but one payload can hold the dot in two records at once.
    @Test func onePayloadReusingADotAcrossRecordsStillConverges() throws {
        #expect(write("x", to: "r1").joined(write("y", to: "r2")).count == 0)
        let records = write("x", to: "r1").records.merging(write("y", to: "r2").records) { first, _ in first }
        let bytes = RecordCollection(trusted: records, context: CausalContext(dots: [dot])).encoded()
        guard let both = try? RecordCollection.decode(bytes) else { return }  // refusing it is fine too
        #expect(both.count == 2)
        var deleter = write("x", to: "r1")
        deleter.delete("r1")
        #expect(both.joined(deleter) == deleter.joined(both))
        #expect(both.joined(deleter).causal == both.causal.joined(deleter.causal))
    }
}
