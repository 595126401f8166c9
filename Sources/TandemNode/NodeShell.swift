import TandemCore
import TandemSync

/// The `SyncShell` of a TCP node: sends go to the peer's session, timers to
/// the event loop, events to the metrics. It holds its core unowned: the
/// core owns the driver, which owns the shell.
final class NodeShell: SyncShell {
    unowned let core: NodeCore

    init(core: NodeCore) { self.core = core }

    func send(_ bytes: [UInt8], to peer: NodeID) { core.send(bytes, to: peer) }
    func scheduleTimer(afterMillis millis: UInt64) { core.scheduleTimer(afterMillis: millis) }
    func observe(_ event: SyncEvent) { core.observe(event) }
}
