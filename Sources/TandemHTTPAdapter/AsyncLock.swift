/// A lock for async code, first come first served: the HTTP driver holds
/// it while a write is sent and its answer recorded, and while an observed
/// object (webhook, poll) is recorded, so the webhook of the driver's own
/// write, which the API may send before answering, is compared with the
/// recorded answer (an echo), never before it.
actor AsyncLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    /// Runs `body` holding the lock.
    @discardableResult
    nonisolated func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await lock()
        do {
            let result = try await body()
            await unlock()
            return result
        } catch {
            await unlock()
            throw error
        }
    }
}
