import NIOCore

/// One connection through a proxy: the accepted channel from the dialling
/// node, the channel to the dialled node, and the two pipes between them.
/// Its methods may be called from any thread; they act on the loop.
final class RelayConnection: Sendable {
    private let loop: any EventLoop
    private let pipes: NIOLoopBound<[RelayPipe]>

    /// Must be created on `loop`, the loop of both pipes' channels.
    init(loop: any EventLoop, pipes: [RelayPipe]) {
        self.loop = loop
        self.pipes = NIOLoopBound(pipes, eventLoop: loop)
    }

    /// Closes both channels (a cut).
    func close() {
        loop.execute { [pipes] in pipes.value.first?.closeBoth() }
    }

    func releaseHeld() {
        loop.execute { [pipes] in pipes.value.forEach { $0.releaseHeld() } }
    }

    func closeIfBytesLost() {
        loop.execute { [pipes] in
            if pipes.value.contains(where: \.lostBytes) { pipes.value.first?.closeBoth() }
        }
    }

    func armReset() {
        loop.execute { [pipes] in pipes.value.forEach { $0.armReset() } }
    }

    func disarmReset() {
        loop.execute { [pipes] in pipes.value.forEach { $0.disarmReset() } }
    }
}
