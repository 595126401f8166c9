import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import TandemDaemon
import TandemHTTPAdapter

/// A real HTTP server on 127.0.0.1 (Hummingbird, a port the system picks)
/// receiving alert webhooks: it keeps every POST to `/alerts` and answers
/// the first `failures` of them with HTTP 500, so retries can be seen.
final class WebhookReceiver: Sendable {
    private struct State {
        var attempts = 0
        var received: [AlertPayload] = []
    }

    /// The requests seen, shared with the route handler.
    private final class Log: Sendable {
        let state = Mutex(State())
    }

    private let log: Log
    private let server: GracefulHTTPServer
    let port: Int

    var url: String { "http://127.0.0.1:\(port)/alerts" }
    /// POSTs answered so far (failed ones included).
    var attempts: Int { log.state.withLock { $0.attempts } }
    /// The alerts accepted (answered 200), in order.
    var received: [AlertPayload] { log.state.withLock { $0.received } }

    /// Starts the server and waits until it listens.
    init(failures: Int = 0) async throws {
        let log = Log()
        self.log = log
        let router = Router()
        router.post("alerts") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let accept = log.state.withLock { state -> Bool in
                state.attempts += 1
                guard state.attempts > failures else { return false }
                if let payload = try? AlertPayload.decode(Data(body.readableBytesView)) { state.received.append(payload) }
                return true
            }
            return Response(status: accept ? .ok : .internalServerError)
        }
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        // Stopped gracefully, never cancelled (`GracefulHTTPServer`).
        (server, port) = try await GracefulHTTPServer.onLoopback(router, logger: logger)
    }

    /// Stops the server (gracefully, in the background).
    func stop() {
        let server = self.server
        Task { await server.stop() }
    }
}
