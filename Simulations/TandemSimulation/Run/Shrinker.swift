/// Shrinks a failing run to a small plan that still fails the same way,
/// so its trace is short enough to read.
///
/// The plan of a seed is a list of items with stable ids (writes,
/// partitions, crashes, commit failures, attacks). The shrinker first drops
/// whole fault classes that the failure does not need, then removes plan
/// items by delta debugging (Zeller and Hildebrandt, "Simplifying and
/// Isolating Failure-Inducing Input", 2002), keeping a removal whenever the
/// run still fails the same checker. The result is reproduced exactly by
/// the seed, the remaining fault classes and the kept item ids.
public enum Shrinker {
    public struct Outcome: Sendable {
        /// The fault classes the failure still needs.
        public var faults: Set<FaultKind>
        /// The plan items kept.
        public var keep: Set<Int>
        /// The run of the shrunk plan, with its trace.
        public var result: RunResult
        /// How many runs shrinking took.
        public var runs: Int
    }

    public static func shrink(
        _ failing: RunResult, config: SimulationConfig, hooks: SimulationHooks = .production, budget: Int = 400
    ) -> Outcome {
        guard let target = failing.failedCheckers.first else {
            return Outcome(faults: config.faults, keep: [], result: failing, runs: 0)
        }
        var runs = 0
        var current = config
        current.trace = false
        var keep = Set(Simulation.plan(seed: failing.seed, config: current, keep: failing.keep).items.map(\.id))

        func fails(_ candidate: SimulationConfig, _ items: Set<Int>) -> Bool {
            guard runs < budget else { return false }
            runs += 1
            return Simulation.run(seed: failing.seed, config: candidate, hooks: hooks, keep: items)
                .failedCheckers.contains(target)
        }

        func dropFaultClasses() {
            for kind in current.faults.sorted() {
                var candidate = current
                candidate.faults.remove(kind)
                let items = Set(Simulation.plan(seed: failing.seed, config: candidate, keep: keep).items.map(\.id))
                if fails(candidate, items) {
                    current = candidate
                    keep = items
                }
            }
        }

        dropFaultClasses()
        var items = keep.sorted()
        var granularity = 2
        while items.count >= 2 && runs < budget {
            let size = (items.count + granularity - 1) / granularity
            var reduced = false
            for start in stride(from: 0, to: items.count, by: size) {
                let complement = Array(items[..<start]) + Array(items[min(items.count, start + size)...])
                if fails(current, Set(complement)) {
                    items = complement
                    granularity = max(granularity - 1, 2)
                    reduced = true
                    break
                }
            }
            if !reduced {
                if granularity >= items.count { break }
                granularity = min(granularity * 2, items.count)
            }
        }
        if items.count == 1, fails(current, []) { items = [] }
        keep = Set(items)
        dropFaultClasses()

        var traced = current
        traced.trace = true
        let result = Simulation.run(seed: failing.seed, config: traced, hooks: hooks, keep: keep)
        return Outcome(faults: current.faults, keep: keep, result: result, runs: runs)
    }
}
