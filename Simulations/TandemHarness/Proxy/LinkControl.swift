import NIOCore
import Synchronization

/// The switchboard of one link: the conditions its proxies apply, and the
/// connections open through them, so a fault can act on those at once
/// (close them for a cut, release held bytes, reset them mid-frame).
///
/// Thread-safe: the schedule changes conditions from its task while the
/// proxies' event loop relays bytes.
public final class LinkControl: Sendable {
    public let link: HarnessLink
    private let state = Mutex(State())

    private struct State {
        var conditions = LinkConditions()
        var connections: [Int: RelayConnection] = [:]
        var nextConnection = 0
        var resetsDone = 0
        var bytesRelayed = 0
        var bytesDropped = 0
    }

    public init(link: HarnessLink) {
        self.link = link
    }

    /// The conditions now.
    public var conditions: LinkConditions { state.withLock { $0.conditions } }

    /// Connections reset mid-frame so far, and bytes relayed and dropped.
    public var figures: (resets: Int, relayed: Int, dropped: Int) {
        state.withLock { ($0.resetsDone, $0.bytesRelayed, $0.bytesDropped) }
    }

    /// Changes the conditions; what changed acts on the open connections:
    /// a cut closes them, the end of a hold releases their held bytes, the
    /// end of a one-way cut closes the connections that lost bytes (their
    /// streams have a gap, as a black-holed TCP connection times out).
    public func update(_ change: (inout LinkConditions) -> Void) {
        let (before, after, open) = state.withLock { state -> (LinkConditions, LinkConditions, [RelayConnection]) in
            let before = state.conditions
            change(&state.conditions)
            return (before, state.conditions, Array(state.connections.values))
        }
        if after.cut && !before.cut {
            open.forEach { $0.close() }
        }
        if before.holding && !after.holding {
            open.forEach { $0.releaseHeld() }
        }
        if !before.silencedSenders.subtracting(after.silencedSenders).isEmpty {
            open.forEach { $0.closeIfBytesLost() }
        }
    }

    /// Resets every open connection in the middle of the next chunk of
    /// bytes it relays (part of the chunk goes through, then RST). Returns
    /// how many connections were armed.
    @discardableResult
    public func resetMidFrame() -> Int {
        let open = state.withLock { Array($0.connections.values) }
        open.forEach { $0.armReset() }
        return open.count
    }

    /// Removes every fault and releases what is held.
    public func heal() {
        update { $0 = LinkConditions() }
        state.withLock { Array($0.connections.values) }.forEach { $0.disarmReset() }
    }

    // MARK: For the proxies

    func register(_ connection: RelayConnection) -> Int {
        state.withLock { state in
            let id = state.nextConnection
            state.nextConnection += 1
            state.connections[id] = connection
            return id
        }
    }

    func unregister(_ id: Int) {
        _ = state.withLock { $0.connections.removeValue(forKey: id) }
    }

    func count(relayed: Int = 0, dropped: Int = 0, reset: Bool = false) {
        state.withLock { state in
            state.bytesRelayed += relayed
            state.bytesDropped += dropped
            if reset { state.resetsDone += 1 }
        }
    }
}
