import TandemTestSupport
import Testing
import TandemSimulation

/// Forged state digests from a peer that is not a state source change
/// nothing: reconciliation takes state only from a node's state sources.
@Suite(.ownThread) struct ForgedDigestTests {
    @Test("forged state digests from a peer that is not a state source are refused; every checker passes")
    func forgedDigestsAreRefused() {
        // Digests matching the target's records, claiming batches it lacks
        // and a causal context covering other nodes' future writes: adopted,
        // they would make the target count batches as held that it never
        // received and drop those nodes' writes when they arrive.
        let config = SimulationConfig(nodeCount: 5, faults: [.forgedDigests])
        for seed in UInt64(1)...4 {
            let result = Simulation.run(seed: seed, config: config)
            #expect(result.passed, "\(result.line)")
        }
    }
}
