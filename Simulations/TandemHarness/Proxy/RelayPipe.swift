import NIOCore
import TandemTestSupport

/// One direction of a relayed connection: the bytes one node sends, on
/// their way to the other, delayed, throttled, held back, dropped or cut
/// short as the link's conditions say. Order is always kept (a TCP stream).
///
/// Confined to the event loop of its two channels (both on one loop).
final class RelayPipe {
    /// The node whose bytes these are.
    let sender: Int
    private let source: any Channel
    private let target: any Channel
    private let control: LinkControl
    private var random: SplitMix64
    private var queue: [Chunk] = []
    private var lastDelivery = NIODeadline.uptimeNanoseconds(0)
    private var scheduled: Scheduled<Void>?
    private var resetArmed = false
    /// Whether bytes were dropped by a one-way cut (the stream has a gap).
    private(set) var lostBytes = false

    private struct Chunk {
        var bytes: ByteBuffer
        var at: NIODeadline
        var held: Bool
    }

    init(sender: Int, source: any Channel, target: any Channel, control: LinkControl, seed: UInt64) {
        self.sender = sender
        self.source = source
        self.target = target
        self.control = control
        self.random = SplitMix64(state: seed)
    }

    /// Bytes read from the sender.
    func receive(_ bytes: ByteBuffer) {
        let conditions = control.conditions
        if conditions.cut {
            control.count(dropped: bytes.readableBytes)
            closeBoth()
            return
        }
        if conditions.silencedSenders.contains(sender) {
            lostBytes = true
            control.count(dropped: bytes.readableBytes)
            return
        }
        if resetArmed && bytes.readableBytes > 1 {
            // Part of the chunk (a frame cut short), then the connection goes.
            let keep = 1 + Int(random.next() % UInt64(bytes.readableBytes - 1))
            var bytes = bytes
            if let part = bytes.readSlice(length: keep) {
                deliverAll()
                target.writeAndFlush(part, promise: nil)
                control.count(relayed: keep, dropped: bytes.readableBytes, reset: true)
            }
            closeBoth()
            return
        }
        let now = NIODeadline.now()
        var at = now
        if conditions.delayMillis > 0 || conditions.jitterMillis > 0 {
            let jitter = conditions.jitterMillis > 0 ? Int64(random.next() % UInt64(conditions.jitterMillis + 1)) : 0
            at = now + .milliseconds(Int64(conditions.delayMillis) + jitter)
        }
        if let rate = conditions.bytesPerSecond, rate > 0 {
            at = max(at, lastDelivery) + .nanoseconds(Int64(bytes.readableBytes) * 1_000_000_000 / Int64(rate))
        }
        at = max(at, lastDelivery)
        lastDelivery = at
        queue.append(Chunk(bytes: bytes, at: at, held: conditions.holding))
        pump()
    }

    /// The sender closed: what is queued goes out at once, then the target
    /// is closed too.
    func sourceClosed() {
        deliverAll()
        target.close(promise: nil)
    }

    /// Held bytes go out now, in one burst.
    func releaseHeld() {
        let now = NIODeadline.now()
        for index in queue.indices where queue[index].held {
            queue[index].held = false
            queue[index].at = now
        }
        pump()
    }

    func armReset() { resetArmed = true }
    func disarmReset() { resetArmed = false }

    /// Closes both channels (queued bytes are lost, as on a cut).
    func closeBoth() {
        queue.removeAll()
        scheduled?.cancel()
        scheduled = nil
        source.close(promise: nil)
        target.close(promise: nil)
    }

    private func deliverAll() {
        guard !queue.isEmpty else { return }
        for chunk in queue {
            control.count(relayed: chunk.bytes.readableBytes)
            target.write(chunk.bytes, promise: nil)
        }
        queue.removeAll()
        target.flush()
    }

    /// Writes every chunk that is due and not held, in order; schedules
    /// itself for the next one.
    private func pump() {
        let now = NIODeadline.now()
        var wrote = false
        while let first = queue.first, !first.held, first.at <= now {
            queue.removeFirst()
            control.count(relayed: first.bytes.readableBytes)
            target.write(first.bytes, promise: nil)
            wrote = true
        }
        if wrote { target.flush() }
        scheduled?.cancel()
        scheduled = nil
        if let first = queue.first, !first.held {
            scheduled = target.eventLoop.assumeIsolated().scheduleTask(deadline: first.at) { [self] in
                scheduled = nil
                pump()
            }
        }
    }
}

/// Feeds what one channel reads into a `RelayPipe`.
final class RelayHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let pipe: RelayPipe

    init(_ pipe: RelayPipe) {
        self.pipe = pipe
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pipe.receive(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        pipe.sourceClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
