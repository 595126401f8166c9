import Foundation
import TandemCore
import TandemCrypto

/// What every scenario demo shares: two nodes' keys, ports and the top of
/// their configurations; starting them; waiting for the outcome with a
/// deadline; and how a run ends (`--once`, or Ctrl-C).
struct DemoPair {
    let directory: String
    let timeout: Double
    let names: [String]
    /// Each node's `[node]` and `[[peer]]` text.
    private let headers: [String: String]

    /// Generates both nodes' keys (`<name>/node.key`) and picks their ports.
    init(directory: String, timeout: Double, names first: String, _ second: String) throws {
        self.directory = directory
        self.timeout = timeout
        names = [first, second]
        var ids: [String: String] = [:]
        var listen: [String: Int] = [:]
        var admin: [String: Int] = [:]
        for name in names {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(name)", withIntermediateDirectories: true)
            let key = try NodeKeyPair.generate()
            try NodeKeyFile.write(key, to: "\(directory)/\(name)/node.key")
            ids[name] = key.nodeID.hex
            listen[name] = try DemoFiles.freePort()
            admin[name] = try DemoFiles.freePort()
        }
        var headers: [String: String] = [:]
        for (name, other) in [(first, second), (second, first)] {
            headers[name] = """
                [node]
                name = "\(name)"
                data_dir = "\(name)/data"
                key_file = "\(name)/node.key"
                listen = "127.0.0.1:\(listen[name] ?? 0)"
                admin = "127.0.0.1:\(admin[name] ?? 0)"

                [[peer]]
                name = "\(other)"
                address = "127.0.0.1:\(listen[other] ?? 0)"
                public_key = "\(ids[other] ?? "")"

                """
        }
        self.headers = headers
    }

    /// Writes `<name>.toml`: a comment line, the node's header, then `body`
    /// (collections, adapters, rules); returns its path.
    func writeConfiguration(_ name: String, comment: String, body: String) throws -> String {
        let path = "\(directory)/\(name).toml"
        let text = "# \(comment)\n" + (headers[name] ?? "") + body
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Starts `tandem run` on each configuration and waits until all answer.
    func start(_ nodes: [DemoProcess]) async throws {
        for node in nodes { try node.start() }
        for node in nodes { try await node.waitUntilRunning(timeout: timeout) }
        let names = nodes.map(\.name)
        print("   \(names.joined(separator: " and ")) are running; logs in \(names.map { "\($0).log" }.joined(separator: " and "))")
    }

    /// Polls `condition` until it holds (true) or the timeout passes (false).
    func waitFor(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while true {
            if try await condition() { return true }
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(20))  // polling interval, not synchronisation
        }
    }

    /// Milliseconds since `start`.
    static func millis(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }

    /// Runs `walkThrough` (which starts `nodes`) and ends the demo: with
    /// `once`, stops the nodes and prints `verdict` with yes or NO; else
    /// prints `explanation` and keeps the nodes running until Ctrl-C. The
    /// nodes are stopped on every error. Returns whether the outcome held.
    func session(
        _ nodes: [DemoProcess], once: Bool, verdict: String, explanation: String, _ walkThrough: () async throws -> Bool
    ) async throws -> Bool {
        func stopAll() { for node in nodes { node.stop() } }
        do {
            let holds = try await walkThrough()
            if once {
                stopAll()
                print("\n\(verdict): \(holds ? "yes" : "NO")")
                return holds
            }
            print("\n" + explanation + "\n\nPress Ctrl-C to stop both nodes.")
            await DemoProcess.waitForInterrupt()
            print("\nstopping both nodes…")
            stopAll()
            print("stopped. The demo folder stays: \(directory)")
            return holds
        } catch {
            stopAll()
            throw error
        }
    }
}
