import PropertyBased
import TandemCore
import TandemTestSupport
import TandemPropertySupport
import Testing

/// The causal context: a version vector plus a dot cloud kept as ranges.
@Suite(.ownThread) struct CausalContextTests {
    let a = Fixture.a, b = Fixture.b

    @Test func outOfOrderInsertsFoldIntoThePrefix() {
        var context = CausalContext()
        for counter: UInt64 in [3, 5, 4] { context.insert(Dot(node: a, counter: counter)) }
        #expect(context.nodes[a] == CausalContext.NodeDots(prefix: 0, cloud: [3...5]))
        #expect(context.versionVector.isEmpty)
        #expect(context.maxCounter(of: a) == 5)
        #expect(context.nextDot(for: a) == Dot(node: a, counter: 6))

        context.insert(Dot(node: a, counter: 1))
        #expect(context.nodes[a] == CausalContext.NodeDots(prefix: 1, cloud: [3...5]))
        context.insert(Dot(node: a, counter: 2))
        #expect(context.nodes[a]?.prefix == 5)
        #expect(context.nodes[a]?.cloud.isEmpty == true)
        #expect(context.versionVector == [a: 5])
        #expect(context.dotCount == 5)
        #expect(!context.contains(Dot(node: a, counter: 0)))
        for counter: UInt64 in 1...5 { #expect(context.contains(Dot(node: a, counter: counter))) }
        #expect(!context.contains(Dot(node: a, counter: 6)))
        #expect(!context.contains(Dot(node: b, counter: 1)))
    }

    @Test func adjacentAndOverlappingRangesMerge() {
        var context = CausalContext()
        context.insert(node: a, 10...12)
        context.insert(node: a, 14...15)
        context.insert(node: a, 20...20)
        #expect(context.nodes[a]?.cloud == [10...12, 14...15, 20...20])
        context.insert(node: a, 13...13)
        #expect(context.nodes[a]?.cloud == [10...15, 20...20])
        context.insert(node: a, 8...21)
        #expect(context.nodes[a]?.cloud == [8...21])
        context.insert(node: a, 2...7)
        #expect(context.nodes[a]?.cloud == [2...21])
        context.insert(node: a, 1...1)
        #expect(context.nodes[a] == CausalContext.NodeDots(prefix: 21))
        // Counter 0 is never a dot.
        context.insert(node: b, 0...0)
        #expect(context.nodes[b] == nil)
        #expect(CausalContext.NodeDots(prefix: 2, cloud: [7...9, 3...4, 5...5]) == CausalContext.NodeDots(prefix: 5, cloud: [7...9]))
    }

    @Test func unionIsIdempotentCommutativeAndExact() {
        let left = CausalContext(dots: [1, 2, 5, 9].map { Dot(node: a, counter: $0) } + [Dot(node: b, counter: 2)])
        let right = CausalContext(dots: [3, 4, 6].map { Dot(node: a, counter: $0) } + [Dot(node: b, counter: 1)])
        let union = left.union(right)
        #expect(union == right.union(left))
        #expect(union.union(union) == union)
        #expect(union.union(left) == union)
        #expect(union.nodes[a] == CausalContext.NodeDots(prefix: 6, cloud: [9...9]))
        #expect(union.versionVector == [a: 6, b: 2])
        #expect(union.union(CausalContext()) == union)
    }

    /// Counters run to `UInt64.max`, which decoders accept: ranges touching
    /// it must merge like any others, never wrap around.
    @Test func rangesReachingTheLastCounterStayCanonical() {
        var ending = CausalContext.NodeDots(prefix: 0, cloud: [10...UInt64.max])
        ending.insert(20...30)
        #expect(ending == CausalContext.NodeDots(prefix: 0, cloud: [10...UInt64.max]))
        var inside = CausalContext.NodeDots(prefix: 0, cloud: [20...30])
        inside.insert(10...UInt64.max)
        #expect(inside == CausalContext.NodeDots(prefix: 0, cloud: [10...UInt64.max]))
        var adjacent = CausalContext.NodeDots(prefix: 0, cloud: [(UInt64.max - 1)...UInt64.max])
        adjacent.insert(5...(UInt64.max - 2))
        #expect(adjacent == CausalContext.NodeDots(prefix: 0, cloud: [5...UInt64.max]))
        var full = CausalContext.NodeDots(prefix: .max)
        full.insert(5...5)
        full.formUnion(CausalContext.NodeDots(prefix: 3, cloud: [7...9]))
        #expect(full == CausalContext.NodeDots(prefix: .max))
        #expect(full.contains(.max))
        #expect(full.count == .max)
    }

    /// Against a plain `Set<Dot>` model: the same membership, counts and
    /// version vector, one canonical representation per set of dots (so
    /// `==` is set equality), and the documented range invariants.
    /// Counters are drawn near 0 (where ranges fold into the prefix) and
    /// near `UInt64.max` (where they must not wrap).
    @Test(arguments: [0, UInt64.max - 34])
    func behavesLikeASetOfDots(base: UInt64) {
        let insertion = zip(Gen.int(in: 0...1), Gen.uint64(in: 0...30), Gen.uint64(in: 0...4))
        forAll(zip(insertion.array(of: 0...25), insertion.array(of: 0...25)), count: 300, seed: 71) { left, right in
            func build(_ insertions: [(Int, UInt64, UInt64)]) -> (CausalContext, Set<Dot>) {
                var context = CausalContext()
                var model = Set<Dot>()
                for (node, offset, length) in insertions {
                    let lower = base + offset
                    let range = lower...(lower + min(length, UInt64.max - lower))
                    context.insert(node: Fixture.nodes[node], range)
                    for counter in range where counter > 0 { model.insert(Dot(node: Fixture.nodes[node], counter: counter)) }
                }
                return (context, model)
            }
            let (leftContext, leftModel) = build(left)
            let (rightContext, rightModel) = build(right)
            let union = leftContext.union(rightContext)
            let unionModel = leftModel.union(rightModel)
            for (context, model) in [(leftContext, leftModel), (rightContext, rightModel), (union, unionModel)] {
                try Self.requireMatches(context, model, counters: base...(base + 34))
                // Built one dot at a time in another order: the same value.
                try #require(CausalContext(dots: model.sorted().reversed()) == context)
            }
            try #require(union == rightContext.union(leftContext))
            try #require(union.union(leftContext) == union)
        }
    }

    static func requireMatches(_ context: CausalContext, _ model: Set<Dot>, counters: ClosedRange<UInt64>) throws {
        try #require(context.dotCount == UInt64(model.count))
        for node in Fixture.nodes {
            let counters = model.filter { $0.node == node }.map(\.counter)
            try #require(context.maxCounter(of: node) == counters.max() ?? 0)
            var prefix: UInt64 = 0
            while model.contains(Dot(node: node, counter: prefix + 1)) { prefix += 1 }
            try #require(context.versionVector[node] == (prefix == 0 ? nil : prefix))
            for counter in [0] + Array(counters) {
                try #require(context.contains(Dot(node: node, counter: counter)) == model.contains(Dot(node: node, counter: counter)))
            }
            if let dots = context.nodes[node] {
                try #require(!dots.isEmpty)
                var below = dots.prefix
                for range in dots.cloud {
                    // Written without `+ 1`, which would wrap at UInt64.max.
                    try #require(range.lowerBound >= 2 && below < range.lowerBound - 1, "cloud ranges sorted, disjoint, non-adjacent, above the prefix")
                    below = range.upperBound
                }
            } else {
                try #require(counters.isEmpty)
            }
        }
    }
}
