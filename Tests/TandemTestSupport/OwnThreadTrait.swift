import Foundation
public import Testing

/// A task executor with one thread of its own: the jobs of a task that
/// prefers it (`withTaskExecutorPreference`) run there, in order, instead
/// of on Swift's concurrency pool.
///
/// Guarantees: every job enqueued runs, also one enqueued after `shutdown`
/// (a fresh thread takes it); the thread ends once it is shut down and
/// has nothing left to run.
public final class ThreadTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let name: String
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var open = true
    private var threadRunning = false

    public init(name: String) {
        self.name = name
        condition.lock()
        startThreadLocked()
        condition.unlock()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        if !threadRunning { startThreadLocked() }
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once it has run every job enqueued so far.
    public func shutdown() {
        condition.lock()
        open = false
        condition.signal()
        condition.unlock()
    }

    private func startThreadLocked() {
        threadRunning = true
        let thread = Thread { [self] in runJobs() }
        thread.name = name
        // Deep recursion in property tests and the simulator: the default
        // 512 KiB of a secondary thread is too little.
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while jobs.isEmpty && open { condition.wait() }
            if jobs.isEmpty {
                threadRunning = false
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// How many tests run on threads of their own at once: one per core, as
/// many as the concurrency pool would have run. A test waits for a place
/// suspended, holding no thread. Without the bound, every computing test of
/// the suite would start at once, and the event loops of the networked
/// tests (a node's NIO thread) would get a sliver of the cores each.
actor OwnThreadGate {
    static let shared = OwnThreadGate(places: max(2, ProcessInfo.processInfo.activeProcessorCount))

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(places: Int) {
        free = places
    }

    func enter() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

/// Runs each test of a suite (or one test) on a thread of its own rather
/// than on Swift's concurrency pool: `@Suite(.ownThread)`.
///
/// Why: the tests of the process run in parallel and share that pool, which
/// has one thread per core, two on the CI machine. A test that computes for
/// seconds (a property test, a simulator run) holds one of them for as long
/// as it computes; two such tests hold all of them, and the tests whose
/// nodes talk over loopback (their actors and tasks run on the pool) stop
/// making progress until their deadlines pass. On its own thread, a
/// computing test shares the cores with the others the way any process
/// does. The test keeps its task (task-locals, cancellation, `#expect`):
/// only the executor its code runs on changes. Code isolated to an actor
/// still runs on that actor. At most one such test per core runs at a time
/// (`OwnThreadGate`).
public struct OwnThreadTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// A scope for each test (each case of a parameterised one), none for a suite.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await OwnThreadGate.shared.enter()
        let executor = ThreadTaskExecutor(name: "test \(test.name)")
        do {
            try await withTaskExecutorPreference(executor) {
                try await function()
            }
        } catch {
            executor.shutdown()
            await OwnThreadGate.shared.leave()
            throw error
        }
        executor.shutdown()
        await OwnThreadGate.shared.leave()
    }
}

extension Trait where Self == OwnThreadTrait {
    /// Runs the test, or each test of the suite, on a thread of its own
    /// (`OwnThreadTrait`).
    public static var ownThread: Self { Self() }
}
