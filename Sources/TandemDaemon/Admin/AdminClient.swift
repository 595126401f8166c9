public import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client for the admin endpoint: one request (`GET`,
/// or `POST` without a body), one response, connection closed. Used by
/// `tandem status` and the adapter commands.
///
/// Guarantees: returns or throws within the timeout; never follows
/// redirects; reads at most ``maximumBodyBytes`` of body.
public enum AdminClient {
    /// A response: the status code and the body.
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    /// Responses larger than this are refused.
    public static let maximumBodyBytes = 16 * 1024 * 1024

    /// `GET path` from the admin endpoint at `address`.
    public static func get(_ path: String, from address: HostPort, timeoutSeconds: Int64 = 10) async throws(DaemonError) -> Response {
        try await request(.GET, path, at: address, timeoutSeconds: timeoutSeconds)
    }

    /// `POST path` (no body) to the admin endpoint at `address`.
    public static func post(_ path: String, to address: HostPort, timeoutSeconds: Int64 = 10) async throws(DaemonError) -> Response {
        try await request(.POST, path, at: address, timeoutSeconds: timeoutSeconds)
    }

    /// The body of a successful (200) answer to `GET` or `POST path`; any
    /// other answer is a ``DaemonError/adminAnswer(address:detail:)`` with
    /// the endpoint's one-line reason.
    public static func body(
        post: Bool, _ path: String, at address: HostPort, timeoutSeconds: Int64 = 120
    ) async throws(DaemonError) -> Data {
        let response = post
            ? try await self.post(path, to: address, timeoutSeconds: timeoutSeconds)
            : try await get(path, from: address, timeoutSeconds: timeoutSeconds)
        guard response.status == 200 else {
            let text = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw DaemonError.adminAnswer(address: address.description, detail: text.isEmpty ? "HTTP \(response.status)" : text)
        }
        return Data(response.body)
    }

    private static func request(
        _ method: HTTPMethod, _ path: String, at address: HostPort, timeoutSeconds: Int64
    ) async throws(DaemonError) -> Response {
        // A thread of its own: the process's shared loops may be busy (a
        // test process running nodes), and one request must not wait on them.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let loop = group.next()
        let promise = loop.makePromise(of: Response.self)
        let timeout = loop.scheduleTask(in: .seconds(timeoutSeconds)) {
            promise.fail(DaemonError.adminUnreachable(address: address.description, detail: "no answer within \(timeoutSeconds) s"))
        }
        defer { timeout.cancel() }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(timeoutSeconds))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: address.host, port: address.port).get()
        } catch {
            let failure = DaemonError.adminUnreachable(address: address.description, detail: reason(error))
            promise.fail(failure)
            throw failure
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: address.description)
        if method == .POST { head.headers.add(name: "Content-Length", value: "0") }
        head.headers.add(name: "Connection", value: "close")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer { channel.close(promise: nil) }
        do {
            return try await promise.futureResult.get()
        } catch let error as DaemonError {
            throw error
        } catch {
            throw DaemonError.adminUnreachable(address: address.description, detail: reason(error))
        }
    }

    /// A short reason for a connection error (NIO's descriptions are long).
    private static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        for known in ["Connection refused", "Connection reset", "Network is unreachable", "timed out"]
        where text.localizedCaseInsensitiveContains(known) {
            return known.lowercased() + (known == "Connection refused" ? " (is `tandem run` running?)" : "")
        }
        return text
    }

    /// Collects one response and completes the promise with it.
    private final class ResponseCollector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart

        private let promise: EventLoopPromise<Response>
        private var status = 0
        private var body: [UInt8] = []

        init(promise: EventLoopPromise<Response>) {
            self.promise = promise
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                status = Int(head.status.code)
            case .body(var buffer):
                guard body.count + buffer.readableBytes <= AdminClient.maximumBodyBytes else {
                    promise.fail(DaemonError.adminUnreachable(address: "\(context.remoteAddress.map { "\($0)" } ?? "?")", detail: "response too large"))
                    context.close(promise: nil)
                    return
                }
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                promise.succeed(Response(status: status, body: body))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(DaemonError.adminUnreachable(address: "\(context.remoteAddress.map { "\($0)" } ?? "?")", detail: "connection closed before a response"))
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
    }
}
