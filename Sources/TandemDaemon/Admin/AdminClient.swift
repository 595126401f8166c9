import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client for the admin endpoint: one `GET`, one
/// response, connection closed. Used by `tandem status`.
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
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: address.description)
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
