import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import TandemDaemon

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
    private let task = Mutex<Task<Void, Never>?>(nil)
    let port: Int

    var url: String { "http://127.0.0.1:\(port)/alerts" }
    /// POSTs answered so far (failed ones included).
    var attempts: Int { log.state.withLock { $0.attempts } }
    /// The alerts accepted (answered 200), in order.
    var received: [AlertPayload] { log.state.withLock { $0.received } }

    /// Starts the server and waits until it listens.
    init(failures: Int = 0) async throws {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
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
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let running = Task {
            try? await application.run()
            portContinuation.finish()
        }
        var bound: Int?
        for await port in ports {
            bound = port
            break
        }
        guard let bound, bound > 0 else {
            running.cancel()
            throw POSIXError(.EADDRNOTAVAIL)
        }
        port = bound
        task.withLock { $0 = running }
    }

    /// Stops the server.
    func stop() {
        task.withLock { $0?.cancel() }
    }
}
