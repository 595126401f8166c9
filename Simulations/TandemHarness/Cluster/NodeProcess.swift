import Foundation
import Synchronization
import TandemTestSupport
public import TandemDaemon

#if canImport(Glibc)
import Glibc
#endif

/// One `tandem run` process of the harness: its directory (key, store,
/// configuration, database, log), its ports, and the running process,
/// which the harness kills with SIGKILL and starts again.
public final class NodeProcess: Sendable {
    public let index: Int
    public let name: String
    public let directory: String
    public let nodeID: String
    public let listenPort: Int
    public let adminPort: Int
    /// The address the node listens on (its listener and admin endpoint):
    /// loopback, or its end of its veth pair in a network namespace.
    public let host: String
    /// The network namespace it runs in (nil: the harness's own).
    public let namespace: String?
    private let executable: URL
    private let process = Mutex<Process?>(nil)
    private let starts = Mutex(0)

    public var configPath: String { (directory as NSString).appendingPathComponent("node.toml") }
    /// The store's directory (`data_dir = "data"`).
    public var dataDirectory: String { (directory as NSString).appendingPathComponent("data") }
    public var logPath: String { (directory as NSString).appendingPathComponent("node.log") }
    public var admin: HostPort { HostPort(host: host, port: adminPort) }

    /// Makes the directory and the key (`tandem keygen`), and picks ports.
    init(index: Int, directory: String, executable: URL, network: NetworkNamespaces.Node? = nil) throws {
        self.index = index
        host = network?.nodeAddress ?? "127.0.0.1"
        namespace = network?.namespace
        name = "n\(index + 1)"
        self.directory = directory
        self.executable = executable
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let keygen = try TandemCommand.runBlocking(executable, ["keygen", "--output", (directory as NSString).appendingPathComponent("node.key")])
        guard let id = keygen.stdout.split(separator: "\n").last.map({ $0.trimmingCharacters(in: .whitespaces) }), id.count == 64 else {
            throw HarnessError("tandem keygen for \(name) printed no node id: \(keygen.stderr)")
        }
        nodeID = id
        listenPort = try LoopbackPort.free()
        adminPort = try LoopbackPort.free()
    }

    /// Whether the process is running now.
    public var isRunning: Bool { process.withLock { $0?.isRunning ?? false } }

    /// Times the process was started.
    public var startCount: Int { starts.withLock { $0 } }

    /// Starts `tandem run --config node.toml`, its output appended to
    /// node.log.
    public func start() throws {
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw HarnessError("cannot open \(logPath)") }
        log.seekToEndOfFile()
        let process = Process()
        if let namespace {
            // `ip netns exec` enters the namespace and execs tandem: the
            // process id is the node's, so SIGKILL reaches it.
            process.executableURL = URL(fileURLWithPath: NetworkNamespaces.ip)
            process.arguments = ["netns", "exec", namespace, executable.path, "run", "--config", configPath]
        } else {
            process.executableURL = executable
            process.arguments = ["run", "--config", configPath]
        }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? log.close()
        self.process.withLock { $0 = process }
        starts.withLock { $0 += 1 }
    }

    /// SIGKILL, and waits for the process to be gone.
    public func kill() async {
        guard let process = process.withLock({ $0 }), process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        _ = try? await onOwnThread { process.waitUntilExit() }
    }

    /// SIGTERM, waiting up to `seconds` for a graceful exit, then SIGKILL.
    public func stop(seconds: Double = 30) async {
        guard let process = process.withLock({ $0 }), process.isRunning else { return }
        process.terminate()
        let exited = (try? await onOwnThread { () -> Bool in
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(10_000) }  // polling for the exit, with a deadline
            return !process.isRunning
        }) ?? false
        if !exited { await kill() }
    }

    /// The node's status from its admin endpoint (`GET /status`, what
    /// `tandem status --json` prints), or nil if it does not answer.
    public func status() async -> StatusReport? {
        guard let body = try? await AdminClient.body(post: false, "/status", at: admin, timeoutSeconds: 10) else { return nil }
        return try? StatusReport.decode(body)
    }

    /// The last `count` lines of node.log.
    public func logTail(_ count: Int = 20) -> [String] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return Array(text.split(separator: "\n").suffix(count).map(String.init))
    }
}
