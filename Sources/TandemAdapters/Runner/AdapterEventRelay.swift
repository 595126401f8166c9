import Synchronization
public import TandemSync

/// Forwards a node's sync events to the adapters beside it. A node's
/// observer is fixed when the node is opened, before its adapters exist:
/// set it to `forward`, then `add` each runner once made.
public final class AdapterEventRelay: Sendable {
    private let runners = Mutex<[AdapterRunner]>([])

    public init() {}

    /// Starts forwarding events to `runner`.
    public func add(_ runner: AdapterRunner) { runners.withLock { $0.append(runner) } }

    /// Hands `event` to every runner (each keeps what concerns its collection).
    public func forward(_ event: SyncEvent) {
        for runner in runners.withLock({ $0 }) { runner.observe(event) }
    }
}
