import Foundation
import TandemTestSupport

/// Runs the `tandem` command to completion (keygen, status, parity, audit)
/// on a thread of its own.
enum TandemCommand {
    static func run(_ executable: URL, _ arguments: [String]) throws -> Subprocess.Result {
        try Subprocess.run(executable, arguments)
    }

    static func runOffPool(_ executable: URL, _ arguments: [String]) async throws -> Subprocess.Result {
        try await OwnThread.run { try Subprocess.run(executable, arguments) }
    }
}

/// Blocking work (a child process, a wait) on a thread of its own, so it
/// does not hold one of the concurrency pool's few threads.
enum OwnThread {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }

    static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
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
