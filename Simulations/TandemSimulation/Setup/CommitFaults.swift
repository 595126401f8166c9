import Synchronization

/// One node's aimed commit failures: which kind of commit the next injected
/// failure waits for, and how many injected failures hit each kind. It
/// outlives the node's crashes (a crash disarms it); the store wrapper of
/// each incarnation reports to it.
final class CommitFaults: Sendable {
    private struct State {
        var armed: CommitKind?
        var hits: [CommitKind: Int] = [:]
        /// Hits not yet reported to the trace.
        var fresh: [CommitKind] = []
    }

    private let state = Mutex(State())

    /// Makes the next commit of `kind` fail part-way.
    func arm(_ kind: CommitKind) { state.withLock { $0.armed = kind } }

    /// Forgets an armed failure (the node crashed before any commit of its kind).
    func disarm() { state.withLock { $0.armed = nil } }

    /// The kind still waiting for its commit, if any.
    var armed: CommitKind? { state.withLock { $0.armed } }

    /// Whether a commit of `kind` is the one to fail; if so, the failure is
    /// used up and counted as a hit.
    func take(_ kind: CommitKind) -> Bool {
        state.withLock { state in
            guard state.armed == kind else { return false }
            state.armed = nil
            state.hits[kind, default: 0] += 1
            state.fresh.append(kind)
            return true
        }
    }

    /// Hits since the last call, for the trace.
    func drainFresh() -> [CommitKind] {
        state.withLock { state in
            defer { state.fresh.removeAll() }
            return state.fresh
        }
    }

    /// Hits so far, by kind.
    var hits: [CommitKind: Int] { state.withLock { $0.hits } }
}
