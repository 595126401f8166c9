import Foundation
import NIOCore

/// The bridge from the synchronous `ReplicaStore` API to postgres-nio's
/// futures: the calling thread blocks on a condition variable until the
/// future, completed on the store's own event loop, hands over its result.
///
/// Why not `EventLoopFuture.wait()`: it traps when called on any NIO event
/// loop thread, and a node calls its store on its own event loop. Why not
/// `async`/`await` with a semaphore: blocking a thread of Swift's
/// cooperative pool while a task needs that pool can deadlock on a machine
/// with few cores. Here no thread pool is involved: the I/O runs on the
/// store's private one-thread event loop group, which never calls back into
/// the store, so the only way to deadlock would be to call the store from
/// that event loop itself, which `PostgresSession` refuses.
final class BlockingWait<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var result: Result<Value, any Error>?

    /// Waits for `future` until `deadline`; nil if the deadline passed first.
    static func wait(for future: EventLoopFuture<Value>, until deadline: Date) -> Result<Value, any Error>? {
        let box = BlockingWait<Value>()
        future.whenComplete { box.complete($0) }
        return box.wait(until: deadline)
    }

    private func complete(_ outcome: Result<Value, any Error>) {
        condition.lock()
        result = outcome
        condition.broadcast()
        condition.unlock()
    }

    private func wait(until deadline: Date) -> Result<Value, any Error>? {
        condition.lock()
        defer { condition.unlock() }
        while result == nil {
            if !condition.wait(until: deadline) { break }
        }
        return result
    }
}
