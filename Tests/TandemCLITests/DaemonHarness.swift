import Foundation
import TandemDaemon
import TandemTestSupport
import Testing

/// A node for the process tests: a directory with its key and
/// configuration, and, once started, a `tandem run` process whose standard
/// error is read line by line.
final class DaemonNode: @unchecked Sendable {
    let name: String
    let directory: TemporaryDirectory
    let nodeID: String
    let listenPort: Int
    let adminPort: Int
    var configPath: String { directory.appending("node.toml") }
    private(set) var process: Process?
    private(set) var stderr: LineReader?

    init(name: String) async throws {
        self.name = name
        directory = try TemporaryDirectory()
        let keygen = try await TandemExecutable.run(["keygen", "--output", directory.appending("node.key")])
        try #require(keygen.status == 0, "keygen: \(keygen.stderr)")
        nodeID = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        listenPort = try LoopbackSocket.freePort()
        adminPort = try LoopbackSocket.freePort()
    }

    /// Writes the configuration with `peers` and any `extra` text;
    /// `collection` is the text under `[[collection]]` after the name;
    /// `store`, if given, is `[node] store` (a PostgreSQL URL).
    func configure(peers: [DaemonNode], collection: String = "", extra: String = "", store: String? = nil) throws {
        var text = """
            [node]
            name = "\(name)"
            data_dir = "data"
            key_file = "node.key"
            listen = "127.0.0.1:\(listenPort)"
            admin = "127.0.0.1:\(adminPort)"\(store.map { "\nstore = \"\($0)\"" } ?? "")

            [[collection]]
            name = "contacts"
            \(collection)

            """
        for peer in peers {
            text += """

                [[peer]]
                name = "\(peer.name)"
                address = "127.0.0.1:\(peer.listenPort)"
                public_key = "\(peer.nodeID)"

                """
        }
        try Data((text + extra).utf8).write(to: URL(fileURLWithPath: configPath))
    }

    /// Starts `tandem run` on the configuration.
    func start(arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = try ExecutableLocator.locate("tandem", override: "TANDEM_EXECUTABLE")
        process.arguments = ["run", "--config", configPath] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        stderr = LineReader(errors.fileHandleForReading)
    }

    /// Waits (up to `seconds` from now) for a log line containing `text`.
    func waitForLog(_ text: String, seconds: Double = 60) async -> Bool {
        guard let stderr else { return false }
        let (lines, ended) = await stderr.wait(until: Date().addingTimeInterval(seconds)) { lines in
            lines.contains { $0.contains(text) }
        }
        let found = lines.contains { $0.contains(text) }
        if !found {
            print("\(name): no log line containing \(text.debugDescription) within \(seconds) s (exited: \(ended)); last lines:\n"
                + lines.suffix(20).joined(separator: "\n"))
        }
        return found
    }

    /// `tandem status --json`, decoded, or nil if the node does not answer.
    func status() async throws -> StatusReport? {
        let result = try await TandemExecutable.run(["status", "--config", configPath, "--json"])
        guard result.status == 0 else { return nil }
        return try StatusReport.decode(Data(result.stdout.utf8))
    }

    /// Polls `status` until `condition` holds or `seconds` pass; returns the
    /// last report that satisfied it.
    func waitForStatus(seconds: Double = 60, _ condition: (StatusReport) -> Bool) async throws -> StatusReport? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let report = try await status(), condition(report) { return report }
            try await Task.sleep(for: .milliseconds(100))  // polling interval, not synchronisation
        }
        return nil
    }

    /// Sends SIGTERM and waits (up to `seconds`) for the process to exit;
    /// returns its exit status and every line it logged, or nil on timeout.
    func terminate(seconds: Double = 60) async -> (status: Int32, lines: [String])? {
        guard let process, let stderr else { return nil }
        process.terminate()
        let (lines, ended) = await stderr.waitForEnd(until: Date().addingTimeInterval(seconds))
        guard ended else { return nil }
        _ = try? await onOwnThread { process.waitUntilExit() }
        return (process.terminationStatus, lines)
    }

    /// Kills the process with SIGKILL (no shutdown of any kind) and waits
    /// for it to exit.
    func killNow() async {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = try? await onOwnThread { process.waitUntilExit() }
    }

    /// Kills a process left running by a failed test, and removes the directory.
    func cleanUp() {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        directory.remove()
    }
}
