import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// POSTs alerts as JSON (``AlertPayload``) to the `[alerts] webhook` URL
/// with one shared AsyncHTTPClient client.
///
/// Each request has the configured timeout; a failure (no connection, a
/// timeout, an answer other than 2xx) is retried up to `retries` times
/// with backoff (`backoff`, doubling each time). A delivery that fails
/// every attempt is logged as a warning and counted
/// (`tandem_alert_webhook_failures_total`); it is not retried later.
///
/// Guarantees: ``deliver(_:)`` never throws; ``shutdown()`` is called once,
/// after the last delivery.
final class AlertWebhook: Sendable {
    let url: String
    let timeout: Duration
    let retries: Int
    let backoff: Duration
    let logger: Logger
    let metrics: DaemonMetrics
    private let client: HTTPClient

    init(url: String, timeout: Duration, retries: Int, backoff: Duration = .seconds(1), logger: Logger, metrics: DaemonMetrics) {
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.logger = logger
        self.metrics = metrics
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .nanoseconds(timeout.nanoseconds), read: .nanoseconds(timeout.nanoseconds))
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Sends `body`, retrying with backoff; returns whether it was accepted.
    /// Cancellation stops the retries.
    @discardableResult
    func deliver(_ body: Data, alert: String) async -> Bool {
        var delay = backoff
        var lastFailure = ""
        for attempt in 0...retries {
            if attempt > 0 {
                do {
                    try await Task.sleep(for: delay)  // backoff between attempts
                } catch {
                    break
                }
                delay *= 2
            }
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "tandem")
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
                // Read (and drop) the answer so the connection can be reused.
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(response.status.code) { return true }
                lastFailure = "HTTP \(response.status.code)"
            } catch {
                lastFailure = "\(error)"
            }
            if Task.isCancelled { break }
        }
        metrics.countWebhookFailure()
        logger.warning(
            "alert webhook failed", metadata: ["url": "\(url)", "alert": "\(alert)", "attempts": "\(retries + 1)", "error": "\(lastFailure)"])
        return false
    }

    func shutdown() async {
        try? await client.shutdown()
    }
}
