import Dispatch
import Foundation
import TandemDaemon

/// One `tandem run` child of the demo: the same executable, its log in
/// `<name>.log` of the demo folder.
final class DemoProcess: @unchecked Sendable {
    let name: String
    let config: String
    let directory: String
    private var process: Process?

    init(name: String, config: String, directory: String) throws {
        self.name = name
        self.config = config
        self.directory = directory
    }

    /// This executable (the demo runs itself as the nodes).
    static func executable() throws -> URL {
        if let url = Bundle.main.executableURL { return url }
        let path = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        guard FileManager.default.isExecutableFile(atPath: path.path) else {
            throw CommandFailure("cannot find the tandem executable to start the nodes")
        }
        return path
    }

    func start() throws {
        let process = Process()
        process.executableURL = try Self.executable()
        process.arguments = ["run", "--config", config]
        let logPath = "\(directory)/\(name).log"
        if !FileManager.default.fileExists(atPath: logPath) {
            guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
                throw CommandFailure("cannot create \(logPath)")
            }
        }
        guard let log = FileHandle(forWritingAtPath: logPath) else {
            throw CommandFailure("cannot write \(logPath)")
        }
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    /// Waits until the node's admin endpoint answers, or fails with the
    /// last line of its log if it exits or the deadline passes.
    func waitUntilRunning(timeout: Double) async throws {
        let file = try NodeConfigurationFile.load(path: config)
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while ContinuousClock.now < deadline {
            guard let process, process.isRunning else { break }
            if let response = try? await AdminClient.get("/status", from: file.node.admin, timeoutSeconds: 2),
               response.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(50))  // polling interval, not synchronisation
        }
        let log = (try? String(contentsOfFile: "\(directory)/\(name).log", encoding: .utf8)) ?? ""
        let last = log.split(separator: "\n").last.map(String.init) ?? "no log"
        throw CommandFailure("the \(name) node did not start: \(last)")
    }

    /// SIGTERM, then waits for the clean exit.
    func stop() {
        guard let process else { return }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        self.process = nil
    }

    /// Returns on SIGINT or SIGTERM (the nodes, in the same process group,
    /// see Ctrl-C too and shut down on their own).
    static func waitForInterrupt() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = Once(continuation)
            let queue = DispatchQueue(label: "tandem.demo.signals")
            let sources = [SIGINT, SIGTERM].map { signal in
                let source = DispatchSource.makeSignalSource(signal: signal, queue: queue)
                source.setEventHandler { once.resume() }
                source.resume()
                return source
            }
            once.keep(sources)
        }
    }

    /// Resumes a continuation once, and keeps the signal sources alive.
    private final class Once: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Void, Never>?
        private var sources: [any DispatchSourceSignal] = []

        init(_ continuation: CheckedContinuation<Void, Never>) {
            self.continuation = continuation
        }

        func keep(_ sources: [any DispatchSourceSignal]) {
            lock.lock()
            self.sources = sources
            lock.unlock()
        }

        func resume() {
            lock.lock()
            let pending = continuation
            continuation = nil
            lock.unlock()
            pending?.resume()
        }
    }
}
