import Foundation
import TandemTestSupport

/// Runs the `tandem` command to completion (keygen, status, parity, audit).
enum TandemCommand {
    /// Blocks the calling thread: only inside `onOwnThread`.
    static func runBlocking(_ executable: URL, _ arguments: [String]) throws -> Subprocess.Result {
        try Subprocess.runBlocking(executable, arguments)
    }

    /// Waits on a thread of its own, not on the concurrency pool.
    static func run(_ executable: URL, _ arguments: [String]) async throws -> Subprocess.Result {
        try await Subprocess.run(executable, arguments)
    }
}

/// Free loopback ports (bound to port 0, read back and closed: another
/// process may take one meanwhile, which makes a node fail to start, and
/// the harness report it).
enum LoopbackPort {
    static func free() throws -> Int {
        try PostgresServer.freeLoopbackPort()
    }
}
