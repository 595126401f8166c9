import NIOCore
import TandemCore

/// The one authenticated connection a node uses with a peer, and the sync
/// messages waiting for it to become writable.
final class PeerSession {
    let channel: any Channel
    /// Whether the connection was opened by the lower of the two node ids:
    /// when both nodes dial each other, that connection is the one both keep.
    let preferred: Bool
    /// Messages held while the channel is not writable, oldest first.
    var queued = CircularBuffer<ByteBuffer>()
    var queuedBytes = 0
    /// Messages received in the current read, handed to the driver
    /// together when the read completes.
    var inbox: [[UInt8]] = []
    /// The node closed the connection (the peer was not reading); nothing
    /// more is sent on it.
    var closing = false

    init(channel: any Channel, preferred: Bool) {
        self.channel = channel
        self.preferred = preferred
    }
}

/// The outgoing side towards one configured peer: at most one connection
/// attempt or connection at a time, and the backoff between attempts.
final class Dialer {
    let address: PeerAddress
    /// The outgoing connection, from connect until it closes.
    var channel: (any Channel)?
    /// A connect is in progress.
    var connecting = false
    /// The scheduled next attempt.
    var retry: Scheduled<Void>?
    /// Attempts since the last one that authenticated.
    var failures = 0

    init(address: PeerAddress) { self.address = address }
}
