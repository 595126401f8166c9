import Synchronization
import TandemCore
import TandemSync

/// Decides which catch-up reports (`CatchUpProgress`) become log lines: the
/// first of each catch-up, one every `every` while it runs, and its end.
/// Safe from any thread.
final class CatchUpLog: Sendable {
    private let every: Duration
    private let lastLogged = Mutex<[NodeID: ContinuousClock.Instant]>([:])

    init(every: Duration = .seconds(5)) {
        self.every = every
    }

    /// Whether `progress`, reported at `now`, is to be logged.
    func due(_ progress: CatchUpProgress, at now: ContinuousClock.Instant = .now) -> Bool {
        lastLogged.withLock { last in
            if progress.finished {
                last[progress.peer] = nil
                return true
            }
            if let previous = last[progress.peer], now - previous < every { return false }
            last[progress.peer] = now
            return true
        }
    }
}
