public import NIOCore
import NIOPosix

/// A TCP proxy on loopback in front of one node, for the connections one
/// peer dials to it: every byte either way goes through a `RelayPipe` that
/// applies the link's `LinkConditions`. The dialling node's configuration
/// names the proxy's port as the peer's address.
public final class FaultProxy: Sendable {
    /// The proxy's port on its address (`bindHost`).
    public let port: Int
    /// The node that dials through this proxy, and the one it reaches.
    public let dialler: Int
    public let target: Int
    private let channel: any Channel

    private init(port: Int, dialler: Int, target: Int, channel: any Channel) {
        self.port = port
        self.dialler = dialler
        self.target = target
        self.channel = channel
    }

    /// Listens on a free port of `bindHost` and relays each accepted
    /// connection to `targetHost:targetPort` (connections accepted while
    /// the link is cut are closed at once). Both hosts are loopback unless
    /// the nodes run in network namespaces (`NetworkNamespaces`).
    public static func start(
        group: any EventLoopGroup, control: LinkControl, dialler: Int, target: Int, targetPort: Int, seed: UInt64,
        bindHost: String = "127.0.0.1", targetHost: String = "127.0.0.1"
    ) async throws -> FaultProxy {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { inbound in
                relay(inbound, control: control, dialler: dialler, target: target, targetHost: targetHost, targetPort: targetPort, seed: seed)
            }
            .bind(host: bindHost, port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw HarnessError("the proxy for n\(dialler + 1) to n\(target + 1) has no local port")
        }
        return FaultProxy(port: port, dialler: dialler, target: target, channel: channel)
    }

    /// Stops accepting connections (open ones are closed by `LinkControl`
    /// or by the nodes).
    public func close() async {
        try? await channel.close()
    }

    private static func relay(
        _ inbound: any Channel, control: LinkControl, dialler: Int, target: Int, targetHost: String, targetPort: Int, seed: UInt64
    ) -> EventLoopFuture<Void> {
        let loop = inbound.eventLoop
        if control.conditions.cut {
            return loop.makeFailedFuture(HarnessError("link \(control.link) is cut"))
        }
        return ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.autoRead, value: false)
            .connectTimeout(.seconds(5))
            .connect(host: targetHost, port: targetPort)
            .flatMapThrowing { outbound in
                do {
                    let forward = RelayPipe(sender: dialler, source: inbound, target: outbound, control: control, seed: seed)
                    let backward = RelayPipe(sender: target, source: outbound, target: inbound, control: control, seed: seed ^ 0xA5A5)
                    try inbound.pipeline.syncOperations.addHandler(RelayHandler(forward))
                    try outbound.pipeline.syncOperations.addHandler(RelayHandler(backward))
                    let id = control.register(RelayConnection(loop: loop, pipes: [forward, backward]))
                    inbound.closeFuture.whenComplete { _ in control.unregister(id) }
                    try outbound.syncOptions?.setOption(.autoRead, value: true)
                } catch {
                    outbound.close(promise: nil)
                    throw error
                }
            }
    }
}
