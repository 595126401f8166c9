import TandemCore
import TandemSync

/// The simulator's side of a `SyncShell`: it only collects what a driver
/// asks for (sends, timers, events); the simulation drains it after every
/// call into the driver and turns the requests into scheduled events.
final class SimShell: SyncShell {
    var outbox: [(peer: NodeID, bytes: [UInt8])] = []
    var timers: [UInt64] = []
    var events: [SyncEvent] = []

    func send(_ bytes: [UInt8], to peer: NodeID) { outbox.append((peer, bytes)) }
    func scheduleTimer(afterMillis millis: UInt64) { timers.append(millis) }
    func observe(_ event: SyncEvent) { events.append(event) }
}

/// The concrete shell type every simulated driver has: it forwards to the
/// shell the hooks chose (the `SimShell` itself, or a test's decorator
/// around it).
final class ShellBox: SyncShell {
    let inner: any SyncShell

    init(_ inner: any SyncShell) { self.inner = inner }

    func send(_ bytes: [UInt8], to peer: NodeID) { inner.send(bytes, to: peer) }
    func scheduleTimer(afterMillis millis: UInt64) { inner.scheduleTimer(afterMillis: millis) }
    func observe(_ event: SyncEvent) { inner.observe(event) }
}
