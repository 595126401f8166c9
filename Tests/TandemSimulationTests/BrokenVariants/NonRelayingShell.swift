import TandemCore
import TandemSync

/// BROKEN ON PURPOSE (test only): a relay that skips forwarding. The node
/// sends its own batches, but never passes on a batch another node made,
/// neither when it arrives nor when anti-entropy asks for it. Nodes that
/// reach each other only through it (a line, a ring, a partitioned mesh)
/// never get each other's writes.
final class NonRelayingShell: SyncShell {
    let inner: any SyncShell
    let node: NodeID

    init(_ inner: any SyncShell, node: NodeID) {
        self.inner = inner
        self.node = node
    }

    func send(_ bytes: [UInt8], to peer: NodeID) {
        guard case .batches(let batches)? = try? SyncMessage(decoding: bytes) else {
            inner.send(bytes, to: peer)
            return
        }
        let own = batches.filter { $0.origin == node }
        if !own.isEmpty { inner.send(SyncMessage.batches(own).encoded(), to: peer) }
    }

    func scheduleTimer(afterMillis millis: UInt64) { inner.scheduleTimer(afterMillis: millis) }
    func observe(_ event: SyncEvent) { inner.observe(event) }
}
