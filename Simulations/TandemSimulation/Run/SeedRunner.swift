import Synchronization

/// Runs many seeds on a few threads. Each run is independent and
/// deterministic, so the results do not depend on the thread count; they
/// come back in seed order.
public enum SeedRunner {
    private final class Cursor: Sendable {
        let next = Atomic<Int>(0)
    }

    /// Runs every seed of `seeds` with `config` on `threads` concurrent
    /// tasks, calling `progress` after each run with the number done.
    public static func run(
        seeds: [UInt64], config: SimulationConfig, hooks: SimulationHooks = .production, threads: Int = 2,
        progress: (@Sendable (_ done: Int, _ result: RunResult) -> Void)? = nil
    ) async -> [RunResult] {
        let cursor = Cursor()
        let done = Cursor()
        var results: [RunResult] = []
        await withTaskGroup(of: [RunResult].self) { group in
            for _ in 0..<max(1, threads) {
                group.addTask {
                    var mine: [RunResult] = []
                    while true {
                        let index = cursor.next.add(1, ordering: .relaxed).oldValue
                        guard index < seeds.count else { break }
                        let result = Simulation.run(seed: seeds[index], config: config, hooks: hooks)
                        mine.append(result)
                        let count = done.next.add(1, ordering: .relaxed).newValue
                        progress?(count, result)
                    }
                    return mine
                }
            }
            for await batch in group { results += batch }
        }
        return results.sorted { $0.seed < $1.seed }
    }
}
