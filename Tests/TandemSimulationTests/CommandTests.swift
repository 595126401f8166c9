import TandemTestSupport
import Testing

/// The `tandem-sim` command's contract.
@Suite(.ownThread) struct CommandTests {
    @Test func aPassingRunPrintsASummaryAndExitsZero() async throws {
        let result = try await SimExecutable.run(["--seeds", "4", "--nodes", "3", "--threads", "2"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("runs: 4, passed: 4, failed: 0"))
        #expect(result.stdout.contains("convergence after the last heal"))
        #expect(result.stdout.contains("bytes sent per acknowledged write"))
    }

    @Test func oneSeedPrintsItsVerdict() async throws {
        let result = try await SimExecutable.run(["--seed", "3", "--nodes", "2", "--faults", "partitions,loss"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("seed 3 pair 2 nodes"))
    }

    @Test func badArgumentsAreRefused() async throws {
        #expect(try await SimExecutable.run(["--nodes", "1"]).status != 0)
        #expect(try await SimExecutable.run(["--nodes", "101"]).status != 0)
        #expect(try await SimExecutable.run(["--faults", "gremlins"]).status != 0)
        #expect(try await SimExecutable.run(["--topology", "star"]).status != 0)
        #expect(try await SimExecutable.run(["--nodes", "5", "--topology", "pair"]).status != 0)
    }
}
