import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import Logging
import NIOCore

/// The HTTP driver's webhook endpoint (Hummingbird): `POST <path>` with an
/// HMAC-SHA256 signature of the raw body in the configured header.
///
/// Answers: 401 for a missing or wrong signature (counted, nothing read),
/// 400 for a body that is not a JSON event the connector describes, 503
/// when the object could not be read or recorded (the sender retries; the
/// poll is the backstop), 200 once the event is recorded durably.
struct WebhookReceiver: Sendable {
    let driver: HTTPDriver
    let webhook: HTTPConnector.Webhook
    let signature: WebhookSignature

    init(driver: HTTPDriver, webhook: HTTPConnector.Webhook) throws {
        self.driver = driver
        self.webhook = webhook
        signature = WebhookSignature(
            prefix: webhook.signaturePrefix, isHex: webhook.signatureIsHex,
            secret: Array(try HTTPCredentials.value(webhook.secret).utf8))
    }

    /// Serves until the calling task is cancelled, then stops gracefully.
    func run() async {
        let router = Router()
        let driver = self.driver, webhook = self.webhook, signature = self.signature
        let route = webhook.path.hasPrefix("/") ? String(webhook.path.dropFirst()) : webhook.path
        router.post(RouterPath(route)) { request, _ -> Response in
            let body = try await request.body.collect(upTo: 4 << 20)
            let bytes = Array(body.readableBytesView)
            guard signature.accepts(HTTPField.Name(webhook.signatureHeader).flatMap { request.headers[$0] }, body: bytes) else {
                driver.statsBox.withLock { $0.webhooksRejected += 1 }
                driver.onWebhookRejected()
                driver.logger.warning("webhook refused: bad signature", metadata: ["connector": "\(driver.connector.object)"])
                return Self.answer(.unauthorized, "bad signature")
            }
            let payload: JSONValue
            do {
                payload = try JSONValue.parse(Data(bytes), from: "webhook")
            } catch {
                return Self.answer(.badRequest, "\(error)")
            }
            do {
                try await driver.gate.withLock { try await driver.handleWebhook(payload, webhook: webhook) }
            } catch let error as HTTPAdapterError {
                if case .missing = error { return Self.answer(.badRequest, "\(error)") }
                if case .badValue = error { return Self.answer(.badRequest, "\(error)") }
                driver.noteError(error, "webhook")
                return Self.answer(.serviceUnavailable, "\(error)")
            } catch {
                driver.noteError(error, "webhook")
                return Self.answer(.serviceUnavailable, "\(error)")
            }
            driver.statsBox.withLock { $0.webhooksAccepted += 1 }
            return Self.answer(.ok, "ok")
        }
        // The server's own log (its shutdown reports a cancellation as an
        // error); the receiver's refusals are logged by the driver's logger.
        var logger = driver.logger
        logger.logLevel = .critical
        let application = Application(
            router: router, configuration: .init(address: .hostname(webhook.host, port: webhook.port), serverName: nil),
            onServerRunning: { channel in driver.webhookPort.withLock { $0 = channel.localAddress?.port ?? webhook.port } },
            logger: logger)
        // Stopped gracefully when the calling task is cancelled
        // (`GracefulHTTPServer`: a cancelled Hummingbird server can drop a
        // connection it just accepted, which stops the process).
        let server = GracefulHTTPServer(application) { error in
            driver.statsBox.withLock { $0.lastError = "webhook receiver on \(webhook.host):\(webhook.port): \(error)" }
        }
        await server.runUntilCancelled()
    }

    static func answer(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
