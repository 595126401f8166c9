import Hummingbird
import Logging
import NIOCore

/// The admin endpoint: `GET /metrics` (Prometheus text) and `GET /status`
/// (``StatusReport`` JSON) over HTTP/1.1, served by Hummingbird.
///
/// Guarantees: read-only (no route changes the node); a status the store
/// cannot read answers 503 with the reason; the `onRunning` hook of
/// ``makeApplication(onRunning:)`` is called once the listener is bound.
struct AdminServer {
    let address: HostPort
    let inspector: NodeInspector
    let logger: Logger

    /// The application to run as a service of the daemon's group.
    func makeApplication(onRunning: @escaping @Sendable (HostPort) -> Void) -> some ApplicationProtocol {
        let router = Router()
        let inspector = self.inspector
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: inspector.renderMetrics())))
        }
        router.get("status") { _, _ -> Response in
            do {
                let body = try inspector.statusReport().encode()
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: body)))
            } catch {
                return Response(
                    status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: "status unavailable: \(error)\n")))
            }
        }
        var serverLogger = logger
        serverLogger.logLevel = .warning
        let host = address.host
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                onRunning(HostPort(host: host, port: port))
            },
            logger: serverLogger)
    }
}
