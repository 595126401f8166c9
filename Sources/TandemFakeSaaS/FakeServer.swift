import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import TandemHTTPAdapter

/// A Hummingbird server on 127.0.0.1 at a port the system picks, serving a
/// fake API's router until `stop()`.
final class FakeServer: Sendable {
    let port: Int
    private let server: GracefulHTTPServer

    init(router: Router<BasicRequestContext>, name: String) async throws {
        var logger = Logger(label: "tandem.fake-\(name)")
        logger.logLevel = .critical
        // Stopped gracefully, never cancelled (`GracefulHTTPServer`).
        (server, port) = try await GracefulHTTPServer.onLoopback(router, logger: logger)
    }

    func stop() async {
        await server.stop()
    }
}

/// Answers shared by the fake APIs.
enum FakeAnswer {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: Array(value.encoded()))))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(.object(["status": .string("error"), "message": .string(message)]), status: status)
    }

    /// The 429 or 503 a switched-on fault answers, or nil to serve the request.
    static func gate(_ records: FakeRecords, _ request: Request) -> Response? {
        switch records.admit(request.method.rawValue, request.uri.path) {
        case .pass: return nil
        case .rateLimited(let after):
            var headers = HTTPFields()
            headers[.retryAfter] = after
            return json(.object(["message": .string("rate limited")]), status: .tooManyRequests, headers: headers)
        case .unavailable:
            return error(.serviceUnavailable, "try again")
        }
    }

    static func body(_ request: Request) async throws -> JSONValue {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        return (try? JSONValue.parse(Data(buffer.readableBytesView), from: "request")) ?? .null
    }

    /// The members of an object value, or nil.
    static func members(_ value: JSONValue?) -> [String: JSONValue]? {
        guard case .object(let members) = value ?? .null else { return nil }
        return members
    }
}
