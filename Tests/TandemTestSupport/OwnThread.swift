import Foundation

/// Runs `work` on a thread of its own and waits for it without holding a
/// thread of Swift's concurrency pool.
///
/// Every test of the process shares that pool, and on a 2-core machine it
/// has two threads: one test blocked in a child process, a database round
/// trip or a long computation holds half of it, two hold all of it, and the
/// tests whose nodes talk over loopback stop making progress until their
/// deadlines pass. So blocking work in a test goes through here.
///
/// `work` need not be `Sendable`: it runs while the caller is suspended,
/// and its result is handed back once it has finished.
public func onOwnThread<T>(_ work: () throws -> T) async throws -> T {
    try await withoutActuallyEscaping(work) { escapable in
        let job = OwnThreadJob(escapable)
        let outcome: UncheckedBox<Result<T, any Error>> = await withCheckedContinuation { continuation in
            let thread = Thread {
                let result = job.run()
                continuation.resume(returning: UncheckedBox(result))
            }
            // Deep recursion in property tests and the simulator: the
            // default 512 KiB of a secondary thread is too little.
            thread.stackSize = 8 << 20
            thread.start()
        }
        return try outcome.value.get()
    }
}

/// The work `onOwnThread` hands to its thread, released by that thread as
/// soon as it has run (before the caller resumes, as
/// `withoutActuallyEscaping` requires).
private final class OwnThreadJob<T>: @unchecked Sendable {
    private var work: (() throws -> T)?

    init(_ work: @escaping () throws -> T) {
        self.work = work
    }

    func run() -> Result<T, any Error> {
        guard let work else { return .failure(CancellationError()) }
        self.work = nil
        return Result { try work() }
    }
}

/// Carries a value across a thread boundary the caller serialises itself.
public struct UncheckedBox<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
