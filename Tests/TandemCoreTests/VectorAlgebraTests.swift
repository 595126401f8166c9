import TandemCore
import TandemTestSupport
import Testing

/// Subtraction and intersection of causal contexts and batch vectors work on
/// ranges: they agree with plain sets of counters, and a vector claiming
/// `1...2^60` (which a peer may send) costs no more than any other range.
@Suite(.ownThread) struct VectorAlgebraTests {
    let a = Fixture.a, b = Fixture.b

    /// A context over counters 1...40 of two nodes, from a seed.
    func randomContext(_ seed: inout UInt64) -> (CausalContext, Set<Dot>) {
        var context = CausalContext()
        var dots: Set<Dot> = []
        for node in [a, b] {
            for counter: UInt64 in 1...40 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                if (seed >> 33) % 3 == 0 {
                    context.insert(Dot(node: node, counter: counter))
                    dots.insert(Dot(node: node, counter: counter))
                }
            }
        }
        return (context, dots)
    }

    func dots(of context: CausalContext) -> Set<Dot> {
        var result: Set<Dot> = []
        for (node, held) in context.nodes {
            for range in held.ranges { for counter in range { result.insert(Dot(node: node, counter: counter)) } }
        }
        return result
    }

    @Test func subtractionAndIntersectionAgreeWithSets() {
        var seed: UInt64 = 7
        for _ in 0..<500 {
            let (x, xs) = randomContext(&seed)
            let (y, ys) = randomContext(&seed)
            #expect(dots(of: x.subtracting(y)) == xs.subtracting(ys))
            #expect(dots(of: x.intersection(y)) == xs.intersection(ys))
            var vector = BatchVector(held: x)
            vector.subtract(BatchVector(held: y))
            #expect(vector.held == x.subtracting(y))
            // Results are canonical: equal sets, equal values.
            #expect(x.subtracting(y) == CausalContext(dots: xs.subtracting(ys)))
            #expect(x.intersection(y) == CausalContext(dots: xs.intersection(ys)))
        }
    }

    @Test func hugeRangesCostTheirRangeCountOnly() {
        var mine = BatchVector()
        mine.insert(origin: a, sequence: 3)
        mine.insert(origin: b, sequence: 5)
        var theirs = CausalContext()
        theirs.insert(node: a, 1...(1 << 60))
        theirs.insert(node: b, 10...UInt64.max)
        var vector = BatchVector(held: theirs)
        vector.subtract(mine)
        #expect(vector.held.nodes[a]?.ranges == [1...2, 4...(1 << 60)])
        #expect(vector.held.nodes[b]?.ranges == [10...UInt64.max])
        #expect(BatchVector(held: theirs).intersection(mine).held == CausalContext(dots: [Dot(node: a, counter: 3)]))
        #expect(BatchVector(held: theirs).restricted(to: [b]).held.nodes.keys.sorted() == [b])
    }
}
