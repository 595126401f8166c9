import TandemCore
import TandemTestSupport
import Testing

/// Causal contexts from peers are attacker-controlled: counters up to
/// `UInt64.max` and clouds of many ranges are well-formed input, and must
/// neither corrupt a replica nor cost more than linear time.
@Suite(.ownThread) struct HostileContextTests {
    let a = Fixture.a

    /// An empty set whose context for node a is `prefix` plus `ranges`, each
    /// given as (gap, span) per docs/protocol.md.
    func emptySet(prefix: UInt64 = 0, ranges: [(gap: UInt64, span: UInt64)]) -> [UInt8] {
        var payload = PayloadBuilder(AWORSet.self)
        payload.varint(1)
        payload.raw(a.bytes)
        payload.varint(prefix)
        payload.varint(UInt64(ranges.count))
        for (gap, span) in ranges {
            payload.varint(gap)
            payload.varint(span)
        }
        payload.varint(0)
        return payload.bytes
    }

    /// Joining contexts that reach the last counter keeps a canonical context,
    /// which encodes and decodes (rather than trapping in the encoder).
    @Test func contextsReachingTheLastCounterJoinCanonically() throws {
        let toTheEnd = try AWORSet.decode(emptySet(ranges: [(gap: 8, span: .max - 10)]))  // 10...max
        let inside = try AWORSet.decode(emptySet(ranges: [(gap: 18, span: 10)]))  // 20...30
        let everything = try AWORSet.decode(emptySet(prefix: .max, ranges: []))
        for (first, second) in [(toTheEnd, inside), (inside, toTheEnd), (everything, inside), (inside, everything)] {
            let joined = first.joined(second)
            #expect(joined == second.joined(first))
            let decoded = try AWORSet.decode(joined.encoded())
            #expect(decoded == joined)
        }
        #expect(toTheEnd.joined(inside).state.context.nodes[a] == CausalContext.NodeDots(cloud: [10...UInt64.max]))
        #expect(everything.joined(inside).state.context.nodes[a] == CausalContext.NodeDots(prefix: .max))
    }

    /// 30,000 ranges per payload, twice, interleaved: decoding, joining and
    /// encoding stay linear (a quadratic merge took minutes here, which the
    /// suite's run time shows; no timing assertion, by the project's rule).
    @Test func largeCloudsDecodeAndJoinInLinearTime() throws {
        let count = 30_000
        // Counters 4, 8, 12, … and 6, 10, 14, …: never adjacent, so the
        // union keeps every range.
        let odd = emptySet(ranges: [(gap: 2, span: 0)] + Array(repeating: (gap: 2, span: 0), count: count - 1))
        let even = emptySet(ranges: [(gap: 4, span: 0)] + Array(repeating: (gap: 2, span: 0), count: count - 1))
        let first = try AWORSet.decode(odd)
        let second = try AWORSet.decode(even)
        let joined = first.joined(second)
        let encoded = joined.encoded()
        #expect(joined.state.context.nodes[a]?.cloud.count == 2 * count)
        #expect(try AWORSet.decode(encoded) == joined)
    }

    /// A peer's context may claim a node's counter is at its maximum; the
    /// node's next writes are refused with a typed error, never a trap, and
    /// the replica is unchanged.
    @Test func writesAfterAContextClaimingTheLastCounterAreRefused() throws {
        var claimed = CausalContext()
        claimed.insert(node: a, 1...UInt64.max)
        var replica = RecordCollection()
        replica.join(RecordCollection(trusted: [:], context: claimed))
        let before = replica
        #expect(throws: CoreError.dotCountersExhausted(node: a)) {
            try replica.set("name", to: .string("x"), in: "r1", by: a, at: Fixture.timestamp(1))
        }
        #expect(throws: CoreError.dotCountersExhausted(node: a)) { try replica.insert("r1", by: a) }
        #expect(throws: CoreError.dotCountersExhausted(node: a)) {
            try replica.add(.string("vip"), toSet: "tags", in: "r1", by: a)
        }
        #expect(replica == before)
        // Another node still writes.
        try replica.set("name", to: .string("y"), in: "r1", by: Fixture.b, at: Fixture.timestamp(1))
        #expect(replica.value(of: "name", in: "r1") == .string("y"))
    }
}
