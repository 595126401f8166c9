public import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What went wrong starting, driving or stopping a `PostgresServer`, with the
/// output of the program that failed.
public struct PostgresServerError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// A real, throwaway PostgreSQL server for tests (no mocks of PostgreSQL):
/// `initdb` into a fresh temporary directory, `postgres` listening on a free
/// loopback TCP port (and a Unix socket inside that directory), durability
/// switched off for speed.
///
/// The binaries come from `/usr/lib/postgresql/<highest version>/bin`
/// (Debian's layout; `make deps` installs them) or from the directory named
/// by the environment variable `TANDEM_POSTGRES_BIN`. PostgreSQL refuses to
/// run as root, so when this process is root (as in CI) `initdb` and
/// `postgres` run as the system user `tandem-test` (created with `useradd
/// --system` on first use), through `setpriv`; otherwise they run as this
/// process's user.
///
/// Stopping: `stop()` (idempotent, synchronous, so it fits a `defer`) stops
/// the server and removes its directory; `withServer` stops it however its
/// body ends. If the test process dies without stopping it, the kernel sends
/// the server SIGINT (a fast shutdown): `postgres` is started through
/// `setpriv --pdeathsig INT` from a thread that lives as long as this
/// process. The directory such a server leaves behind is removed by the next
/// `start()` once its process and its owner's are gone.
public final class PostgresServer: Sendable {
    /// The loopback address the server listens on.
    public let host = "127.0.0.1"
    /// The TCP port, the same across `restart()`.
    public let port: Int
    /// The superuser, trusted without a password.
    public let user = "postgres"
    /// The temporary directory holding `data/` and `socket/`.
    public let directory: URL

    private let binaries: URL
    private let owner: SystemUser?
    /// Whether a commit waits for its WAL to reach the operating system
    /// (`synchronous_commit` on), so a crash of the server loses nothing
    /// acknowledged; off by default, for speed.
    public let durableCommits: Bool
    private let state: Mutex<State>

    private struct State {
        var running: RunningPostgres?
        var stopped = false
    }

    /// The URL of the `postgres` database.
    public var url: String { url(database: "postgres") }

    /// The URL of `database` on this server.
    public func url(database: String) -> String {
        "postgres://\(user)@\(host):\(port)/\(database)"
    }

    /// The directory of the server's Unix socket (`psql -h` accepts it).
    public var socketDirectory: URL { directory.appendingPathComponent("socket") }

    /// Whether the server process is running (false after `stop()`).
    public var isRunning: Bool {
        state.withLock { $0.running?.process.isRunning ?? false }
    }

    private init(port: Int, directory: URL, binaries: URL, owner: SystemUser?, durableCommits: Bool, running: RunningPostgres) {
        self.durableCommits = durableCommits
        self.port = port
        self.directory = directory
        self.binaries = binaries
        self.owner = owner
        self.state = Mutex(State(running: running))
    }

    // MARK: Starting and stopping

    /// Creates a cluster in a new temporary directory and starts a server on
    /// a free loopback port; returns once it accepts connections.
    ///
    /// `durableCommits`: keep `synchronous_commit` on (the server's default),
    /// for tests of what survives a crash of the server (`fsync` stays off:
    /// the operating system keeps what was written, only a machine crash
    /// would lose it).
    public static func start(durableCommits: Bool = false) async throws -> PostgresServer {
        let binaries = try locateBinaries()
        let owner: SystemUser? = geteuid() == 0 ? try await onOwnThread { try SystemUser.dedicated() } : nil
        if owner != nil && Launch.setpriv == nil {
            throw PostgresServerError(
                "running as root, PostgreSQL must run as an unprivileged user, and setpriv (util-linux) was not found")
        }
        let base = FileManager.default.temporaryDirectory
        removeStaleDirectories(in: base)
        let directory = base.appendingPathComponent(
            "tandem-pg-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())")
        do {
            try makeDirectory(directory, owner: owner)
            try makeDirectory(directory.appendingPathComponent("socket"), owner: owner)
            try await onOwnThread { try initdb(binaries: binaries, owner: owner, directory: directory) }
            var attempt = 1
            while true {
                let port = try freeLoopbackPort()
                let running = try launch(
                    binaries: binaries, owner: owner, directory: directory, port: port, durableCommits: durableCommits)
                switch await waitUntilReady(running, binaries: binaries, port: port) {
                case .ready:
                    return PostgresServer(
                        port: port, directory: directory, binaries: binaries, owner: owner, durableCommits: durableCommits,
                        running: running)
                case .failed(let reason) where reason.portTaken && attempt < 5:
                    attempt += 1  // another process took the port between the probe and the bind
                case .failed(let reason):
                    throw PostgresServerError("postgres did not start on 127.0.0.1:\(port) \(owner.describe): \(reason)")
                }
            }
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Starts a server, runs `body` with it and stops it (removing its
    /// directory) however `body` ends: returned, thrown or cancelled.
    public static func withServer<T>(
        isolation: isolated (any Actor)? = #isolation,
        durableCommits: Bool = false,
        _ body: (PostgresServer) async throws -> T
    ) async throws -> T {
        let server = try await start(durableCommits: durableCommits)
        defer { server.stop() }
        return try await body(server)
    }

    /// Stops the server (fast shutdown: SIGINT, then SIGQUIT and SIGKILL if
    /// it has not exited after 30 and 10 seconds) and removes its directory.
    /// Idempotent; safe to call from several tasks.
    public func stop() {
        let running = state.withLock { state -> RunningPostgres? in
            state.stopped = true
            defer { state.running = nil }
            return state.running
        }
        running?.terminate()
        if FileManager.default.fileExists(atPath: directory.path) {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Stops the server (fast shutdown, waiting for it to exit) and starts it
    /// again on the same data directory and port; returns once it accepts
    /// connections. Open connections are cut, as on a real restart.
    public func restart() async throws {
        try await stopForRestart()
        try await startAfterStop()
    }

    /// Stops the server, keeping its data directory and port for
    /// `startAfterStop()`: a fast shutdown (SIGINT, as `restart()`), or with
    /// `crash` an immediate one (SIGQUIT: every backend is aborted at once,
    /// no checkpoint, and the next start replays the WAL, as after a crash
    /// of the server). Returns once the server process has exited.
    public func stopForRestart(crash: Bool = false) async throws {
        let old = try state.withLock { state -> RunningPostgres? in
            guard !state.stopped else { throw PostgresServerError("restart: the server was stopped") }
            defer { state.running = nil }
            return state.running
        }
        if let old { try await onOwnThread { old.terminate(immediate: crash) } }
    }

    /// Starts the server stopped by `stopForRestart` on the same data
    /// directory and port; returns once it accepts connections.
    public func startAfterStop() async throws {
        let running = try Self.launch(
            binaries: binaries, owner: owner, directory: directory, port: port, durableCommits: durableCommits)
        let stoppedMeanwhile = state.withLock { state -> Bool in
            if !state.stopped { state.running = running }
            return state.stopped
        }
        if stoppedMeanwhile {
            running.terminate()
            throw PostgresServerError("restart: the server was stopped")
        }
        if case .failed(let reason) = await Self.waitUntilReady(running, binaries: binaries, port: port) {
            throw PostgresServerError("postgres did not restart on 127.0.0.1:\(port) \(owner.describe): \(reason)")
        }
    }

    // MARK: The psql client

    /// Runs `sql` (one or more statements, fed to standard input) with the
    /// `psql` client against `database`: unaligned tuples only (`-X -A -t
    /// -q`), stopping at the first error (`ON_ERROR_STOP=1`). Returns what
    /// psql printed, one row a line, columns separated by `|`; throws with
    /// psql's standard error when it fails.
    @discardableResult
    public func psql(database: String = "postgres", sql: String) async throws -> String {
        let result = try await Subprocess.run(
            binaries.appendingPathComponent("psql"),
            [
                "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                "-h", host, "-p", String(port), "-U", user, "-d", database, "-f", "-",
            ],
            input: Data(sql.utf8),
            environment: ["PGCONNECT_TIMEOUT": "10", "LC_ALL": "C"])
        guard result.status == 0 else {
            throw PostgresServerError(
                "psql on database \(database) at 127.0.0.1:\(port) failed (exit \(result.status)): "
                    + result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.stdout
    }

    /// Creates the database `name` (letters, digits and underscores) and
    /// returns its URL.
    @discardableResult
    public func createDatabase(_ name: String) async throws -> String {
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar == "_" || (scalar.isASCII && CharacterSet.alphanumerics.contains(scalar))
        }
        guard allowed, !name.isEmpty else {
            throw PostgresServerError("createDatabase: \(name.debugDescription) is not a plain identifier")
        }
        try await psql(sql: "CREATE DATABASE \"\(name)\";")
        return url(database: name)
    }

    // MARK: Loopback ports

    /// A TCP port on 127.0.0.1 that was free a moment ago (`LoopbackPorts`).
    public static func freeLoopbackPort() throws -> Int {
        try LoopbackPorts.free()
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func acceptsConnections(port: Int) -> Bool {
        let socketFD = openTCPSocket()
        guard socketFD >= 0 else { return false }
        defer { close(socketFD) }
        var address = loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return connected == 0
    }

    private static func openTCPSocket() -> Int32 {
        #if canImport(Glibc)
        socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        socket(AF_INET, SOCK_STREAM, 0)
        #endif
    }

    private static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    // MARK: Internals

    private static func locateBinaries() throws -> URL {
        let needed = ["initdb", "postgres", "pg_isready", "psql"]
        func complete(_ directory: URL) -> Bool {
            needed.allSatisfy { FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent($0).path) }
        }
        if let override = ProcessInfo.processInfo.environment["TANDEM_POSTGRES_BIN"] {
            let directory = URL(fileURLWithPath: override)
            guard complete(directory) else {
                throw PostgresServerError(
                    "TANDEM_POSTGRES_BIN=\(override) does not hold all of \(needed.joined(separator: ", "))")
            }
            return directory
        }
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
            .compactMap { name in Int(name).map { (number: $0, name: name) } }
            .sorted { $0.number > $1.number }
        for version in versions {
            let directory = root.appendingPathComponent(version.name).appendingPathComponent("bin")
            if complete(directory) { return directory }
        }
        throw PostgresServerError(
            "PostgreSQL server not found: no /usr/lib/postgresql/<version>/bin with \(needed.joined(separator: ", ")). "
                + "Run `make deps` (installs the postgresql package with apt-get) "
                + "or set TANDEM_POSTGRES_BIN to a directory that holds them.")
    }

    private static func makeDirectory(_ url: URL, owner: SystemUser?) throws {
        try FileManager.default.createDirectory(
            at: url, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        if let owner, chown(url.path, owner.uid, owner.gid) != 0 {
            throw PostgresServerError("chown \(url.path) to \(owner.name) failed: \(errnoText())")
        }
    }

    private static func initdb(binaries: URL, owner: SystemUser?, directory: URL) throws {
        let data = directory.appendingPathComponent("data").path
        let command = Launch.command(
            binaries.appendingPathComponent("initdb"),
            ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"],
            owner: owner, parentDeathSignal: false)
        let result = try Subprocess.runBlocking(
            command.executable, command.arguments, environment: ["LC_ALL": "C"], directory: directory)
        guard result.status == 0 else {
            throw PostgresServerError(
                "initdb -D \(data) \(owner.describe) failed (exit \(result.status)): "
                    + result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private static func launch(
        binaries: URL, owner: SystemUser?, directory: URL, port: Int, durableCommits: Bool
    ) throws -> RunningPostgres {
        let command = Launch.command(
            binaries.appendingPathComponent("postgres"),
            [
                "-D", directory.appendingPathComponent("data").path,
                "-p", String(port),
                "-k", directory.appendingPathComponent("socket").path,
                "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off",
                "-c", "synchronous_commit=\(durableCommits ? "on" : "off")",
                "-c", "full_page_writes=off",
                "-c", "lc_messages=C",
            ],
            owner: owner, parentDeathSignal: true)
        let process = Process()
        process.executableURL = command.executable
        process.arguments = command.arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["LC_ALL": "C"]) { _, new in new }
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let exit = ExitSignal()
        process.terminationHandler = { _ in exit.fire() }
        do {
            try SpawnThread.shared.run(process)
        } catch {
            throw PostgresServerError("could not launch \(command.executable.path) \(owner.describe): \(error)")
        }
        return RunningPostgres(process: process, log: LineReader(output.fileHandleForReading), exit: exit)
    }

    private enum Readiness {
        case ready
        case failed(FailedStart)
    }

    private struct FailedStart: CustomStringConvertible {
        var what: String
        var log: [String]
        var portTaken: Bool { log.contains { $0.contains("Address already in use") } }
        var description: String { "\(what); server log:\n" + log.joined(separator: "\n") }
    }

    /// Waits until `pg_isready` reports the server accepting connections,
    /// the server exits, or 60 seconds pass; stops the server unless ready.
    private static func waitUntilReady(_ running: RunningPostgres, binaries: URL, port: Int) async -> Readiness {
        let deadline = ContinuousClock.now + .seconds(60)
        let probe = binaries.appendingPathComponent("pg_isready")
        let arguments = ["-q", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-t", "2"]
        while true {
            if !running.process.isRunning {
                _ = try? await onOwnThread { running.exit.wait(seconds: 10) }
                let log = await running.log.waitForEnd(until: Date(timeIntervalSinceNow: 10)).lines
                return .failed(FailedStart(what: "postgres exited with status \(running.process.terminationStatus)", log: log))
            }
            let probed = try? await Subprocess.run(probe, arguments, environment: ["LC_ALL": "C"])
            if probed?.status == 0 {
                return .ready
            }
            if ContinuousClock.now >= deadline {
                running.terminate()
                return .failed(FailedStart(what: "not accepting connections after 60 s", log: running.log.linesSoFar()))
            }
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                running.terminate()
                return .failed(FailedStart(what: "cancelled while waiting for it to accept connections", log: running.log.linesSoFar()))
            }
        }
    }

    /// Removes directories earlier test processes left behind (killed before
    /// they stopped their servers): named after a process that no longer
    /// exists, with no postmaster still running in them.
    private static func removeStaleDirectories(in base: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base.path) else { return }
        for name in names where name.hasPrefix("tandem-pg-") {
            let parts = name.split(separator: "-")
            guard parts.count == 4, let pid = pid_t(parts[2]), pid != getpid(), !processExists(pid) else { continue }
            let directory = base.appendingPathComponent(name)
            let pidFile = directory.appendingPathComponent("data/postmaster.pid")
            if let text = try? String(contentsOf: pidFile, encoding: .utf8),
                let first = text.split(separator: "\n").first, let postmaster = pid_t(first), processExists(postmaster)
            {
                continue
            }
            try? FileManager.default.removeItem(at: directory)
        }
    }

    private static func processExists(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}

/// A started `postgres` process, its merged standard output and error, and
/// a signal of its exit.
private struct RunningPostgres: Sendable {
    let process: Process
    let log: LineReader
    let exit: ExitSignal

    /// Fast shutdown (SIGINT) and wait; SIGQUIT after 30 s, SIGKILL after 10
    /// more. `immediate`: SIGQUIT at once (immediate shutdown, as a crash).
    func terminate(immediate: Bool = false) {
        let steps = immediate ? [(SIGQUIT, 30.0), (SIGKILL, 10.0)] : [(SIGINT, 30.0), (SIGQUIT, 10.0), (SIGKILL, 10.0)]
        for (signal, seconds) in steps {
            guard process.isRunning else { return }
            kill(process.processIdentifier, signal)
            if exit.wait(seconds: seconds) { return }
        }
    }
}

/// Set once by a process's termination handler.
private final class ExitSignal: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var fired = false

    func fire() {
        condition.lock()
        fired = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits up to `seconds` for `fire()`; whether it came.
    func wait(seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !fired {
            if !condition.wait(until: deadline) { break }
        }
        return fired
    }
}

/// Starts processes from one thread that lives as long as this process, so
/// a parent-death signal (`setpriv --pdeathsig`, tied to the thread that
/// spawned the child) fires when the process ends and not when a worker
/// thread of the concurrency pool retires.
private final class SpawnThread: @unchecked Sendable {
    static let shared = SpawnThread()

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [() -> Void] = []

    private init() {
        let thread = Thread { [self] in
            while true {
                condition.lock()
                while jobs.isEmpty { condition.wait() }
                let job = jobs.removeFirst()
                condition.unlock()
                job()
            }
        }
        thread.name = "tandem-postgres-spawner"
        thread.start()
    }

    /// Runs `process.run()` on the spawner thread and waits for it.
    func run(_ process: Process) throws {
        let outcome = Outcome()
        condition.lock()
        jobs.append {
            do {
                try process.run()
                outcome.finish(nil)
            } catch {
                outcome.finish(error)
            }
        }
        condition.broadcast()
        condition.unlock()
        if let error = outcome.wait() { throw error }
    }

    private final class Outcome: @unchecked Sendable {
        private let condition = NSCondition()
        // Guarded by `condition`.
        private var done = false
        private var error: (any Error)?

        func finish(_ error: (any Error)?) {
            condition.lock()
            self.error = error
            done = true
            condition.broadcast()
            condition.unlock()
        }

        func wait() -> (any Error)? {
            condition.lock()
            defer { condition.unlock() }
            while !done { condition.wait() }
            return error
        }
    }
}

/// The unprivileged account the server runs as when this process is root.
private struct SystemUser: Sendable {
    static let dedicatedName = "tandem-test"
    private static let creation = Mutex(())

    let name: String
    let uid: uid_t
    let gid: gid_t

    /// `tandem-test`, created as a system user (no home directory, no login
    /// shell) when it does not exist. Several test processes may race to
    /// create it: "already exists" and a locked /etc/passwd are retried.
    static func dedicated() throws -> SystemUser {
        try creation.withLock { _ in
            var lastFailure = ""
            for _ in 0..<50 {
                if let user = lookup(dedicatedName) { return user }
                guard let useradd = ["/usr/sbin/useradd", "/sbin/useradd"].first(where: {
                    FileManager.default.isExecutableFile(atPath: $0)
                }) else {
                    throw PostgresServerError(
                        "running as root, PostgreSQL needs an unprivileged user, and useradd was not found to create \(dedicatedName)")
                }
                let result = try Subprocess.runBlocking(
                    URL(fileURLWithPath: useradd),
                    [
                        "--system", "--no-create-home", "--user-group", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", dedicatedName,
                    ])
                // 0: created; 9: created by someone else meanwhile; 10: /etc/passwd locked by a concurrent useradd.
                switch result.status {
                case 0, 9: continue
                case 10:
                    lastFailure = result.stderr
                    usleep(20_000)  // back off before retrying a locked /etc/passwd
                default:
                    throw PostgresServerError(
                        "useradd \(dedicatedName) failed (exit \(result.status)): "
                            + result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
                }
            }
            throw PostgresServerError("could not create the user \(dedicatedName): \(lastFailure)")
        }
    }

    private static func lookup(_ name: String) -> SystemUser? {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getpwnam_r(name, &entry, &buffer, buffer.count, &found)
        guard status == 0, found != nil else { return nil }
        return SystemUser(name: name, uid: entry.pw_uid, gid: entry.pw_gid)
    }
}

extension Optional where Wrapped == SystemUser {
    fileprivate var describe: String {
        switch self {
        case .some(let user): "as user \(user.name) (uid \(user.uid))"
        case .none: "as uid \(getuid())"
        }
    }
}

/// How a PostgreSQL program is started: through `setpriv` as `owner` when
/// given (this process is root), with a parent-death signal when asked and
/// `setpriv` exists, otherwise directly.
private enum Launch {
    static let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static func command(
        _ executable: URL, _ arguments: [String], owner: SystemUser?, parentDeathSignal: Bool
    ) -> (executable: URL, arguments: [String]) {
        var options: [String] = []
        if let owner {
            options += ["--reuid=\(owner.uid)", "--regid=\(owner.gid)", "--clear-groups"]
        }
        if parentDeathSignal { options += ["--pdeathsig=INT"] }
        guard let setpriv, !options.isEmpty else {
            return (executable, arguments)
        }
        return (URL(fileURLWithPath: setpriv), options + ["--", executable.path] + arguments)
    }
}

extension LineReader {
    /// The complete lines read so far, without waiting.
    fileprivate func linesSoFar() -> [String] {
        snapshot().lines
    }
}

private func errnoText() -> String {
    String(cString: strerror(errno))
}
