public import Foundation

/// How one harness run is set up: `tandem-harness` fills it from its
/// command line, tests build it directly.
public struct HarnessOptions: Sendable {
    /// Nodes, 2 to 7.
    public var nodes: Int
    /// The fault phase, in seconds: edits, faults and kills happen in it.
    public var durationSeconds: Double
    public var seed: UInt64
    public var topology: HarnessTopology
    /// The `tandem` executable; nil: next to this program's executable.
    public var tandemPath: String?
    /// Gives some nodes PostgreSQL tables on one throwaway server,
    /// restarted once during the run.
    public var postgres = false
    /// How long the nodes may take to converge after the last heal.
    public var convergeTimeoutSeconds: Double = 180
    /// How long the cluster must stay converged and quiet before the checks.
    public var quietSeconds: Double = 3
    /// The directory for the nodes' files; nil: a new temporary directory,
    /// removed after a passing run.
    public var directory: String?
    /// Keep the directory even after a passing run.
    public var keep = false
    /// Sidestep the known product issue (docs/simulation.md, "Failures
    /// found"): a record that keeps only a concurrent update after a delete
    /// has no email, so its row shows NULL there, and an insert of that
    /// email beside it makes a second row (`duplicate_key`) whose values
    /// never sync. With this set the harness edits such a row (found by the
    /// adapter's key map) instead of inserting beside it, as a person who
    /// sees the customer in the table would.
    public var sidestepKnownIssues = false

    public init(nodes: Int, durationSeconds: Double, seed: UInt64, topology: HarnessTopology) {
        self.nodes = nodes
        self.durationSeconds = durationSeconds
        self.seed = seed
        self.topology = topology
    }

    /// Refuses settings the harness cannot run.
    public func validate() throws {
        guard (2...7).contains(nodes) else { throw HarnessError("--nodes must be 2 to 7, got \(nodes)") }
        guard durationSeconds >= 2, durationSeconds <= 86_400 else {
            throw HarnessError("--duration must be 2 to 86400 seconds, got \(durationSeconds)")
        }
        if topology == .pair && nodes != 2 { throw HarnessError("--topology pair needs --nodes 2, got \(nodes)") }
        guard convergeTimeoutSeconds > 0 else { throw HarnessError("--converge-timeout must be positive") }
    }

    /// The command line that repeats this run's schedule.
    public var commandLine: String {
        var words = ["tandem-harness", "--nodes", "\(nodes)", "--duration", "\(Self.number(durationSeconds))", "--seed", "\(seed)", "--topology", topology.rawValue]
        if postgres { words.append("--postgres") }
        if sidestepKnownIssues { words.append("--sidestep-known-issues") }
        return words.joined(separator: " ")
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// The `tandem` executable: `tandemPath`, or `tandem` in the directory
    /// of this program (or of the test bundle running it).
    public func locateTandem() throws -> URL {
        if let tandemPath {
            guard FileManager.default.isExecutableFile(atPath: tandemPath) else {
                throw HarnessError("--tandem \(tandemPath): not an executable file")
            }
            return URL(fileURLWithPath: tandemPath)
        }
        var directories: [URL] = []
        if let executable = Bundle.main.executableURL { directories.append(executable.resolvingSymlinksInPath().deletingLastPathComponent()) }
        if let first = CommandLine.arguments.first {
            directories.append(URL(fileURLWithPath: first).resolvingSymlinksInPath().deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        let candidates = directories.map { $0.appendingPathComponent("tandem") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw HarnessError("tandem not found next to this program (looked at \(candidates.map(\.path))); build it or pass --tandem PATH")
        }
        return found
    }
}
