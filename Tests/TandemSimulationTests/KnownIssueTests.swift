import Testing
import TandemSimulation

/// Faults the current code does not withstand yet. Each test records the
/// failure as a known issue, so it turns into an unexpected pass (and a
/// prompt to make it a plain test) once the code is fixed.
@Suite struct KnownIssueTests {
    @Test func aForgedStateDigestMakesANodeLoseWrites() {
        // Digest reconciliation adopts the batch vector and causal contexts
        // of any peer whose digests match, with no proof: a forged digest
        // makes the target count batches as held that it never received
        // (so no one sends them again) and mark other nodes' future dots as
        // seen (so their writes are dropped when they arrive).
        let config = SimulationConfig(nodeCount: 5, faults: [.forgedDigests])
        withKnownIssue("digest reconciliation trusts unverified state digests") {
            for seed in UInt64(1)...2 {
                let result = Simulation.run(seed: seed, config: config)
                #expect(result.passed, "\(result.line)")
            }
        }
    }
}
