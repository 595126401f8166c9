import Foundation
import Hummingbird
import Logging
import NIOCore

/// The admin endpoint over HTTP/1.1, served by Hummingbird:
///
/// | route | answers |
/// |---|---|
/// | `GET /metrics` | Prometheus text |
/// | `GET /status` | ``StatusReport`` JSON, with each adapter |
/// | `GET /deletes[?adapter=NAME]` | held deletes per adapter (``AdapterReports/HeldDeletes``) |
/// | `POST /deletes/approve[?adapter=NAME]` | applies them (``AdapterReports/Released``) |
/// | `POST /deletes/reject[?adapter=NAME]` | drops them, rows written back |
/// | `POST /parity[?adapter=NAME]` | runs a parity check now (``AdapterReports/Parity``) |
/// | `POST /restore?event=ID` | writes a conflict's losing value back (``AdapterReports/Restored``) |
///
/// Guarantees: `GET` routes only read; a request that cannot be served
/// answers 4xx or 5xx with a one-line reason as plain text; the `onRunning`
/// hook of ``makeApplication(onRunning:)`` is called once the listener is
/// bound.
struct AdminServer {
    let address: HostPort
    let inspector: NodeInspector
    let operations: AdapterOperations
    let logger: Logger

    /// The application to run as a service of the daemon's group.
    func makeApplication(onRunning: @escaping @Sendable (HostPort) -> Void) -> some ApplicationProtocol {
        let router = Router()
        let inspector = self.inspector
        let operations = self.operations
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: await inspector.renderMetrics())))
        }
        router.get("status") { _, _ -> Response in
            do {
                return Self.json(try await inspector.statusReport().encode())
            } catch {
                return Self.failure(503, "status unavailable: \(error)")
            }
        }
        router.get("deletes") { request, _ -> Response in
            await Self.answer { try await operations.heldDeletes(request.uri.queryParameters.get("adapter")) }
        }
        router.post("deletes/approve") { request, _ -> Response in
            await Self.answer { try await operations.release(request.uri.queryParameters.get("adapter"), approve: true) }
        }
        router.post("deletes/reject") { request, _ -> Response in
            await Self.answer { try await operations.release(request.uri.queryParameters.get("adapter"), approve: false) }
        }
        router.post("parity") { request, _ -> Response in
            await Self.answer { try await operations.parity(request.uri.queryParameters.get("adapter")) }
        }
        router.post("restore") { request, _ -> Response in
            guard let text = request.uri.queryParameters.get("event"), let id = Int64(text) else {
                return Self.failure(400, "expected ?event=ID, the id of a conflict audit event")
            }
            return await Self.answer { try await operations.restore(event: id) }
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

    /// Runs an operation and answers its JSON, or its error as one line.
    static func answer(_ operation: () async throws -> some Encodable) async -> Response {
        do {
            return json(try AdapterReports.encode(try await operation()))
        } catch let error as AdminRequestError {
            return failure(error.status, error.description)
        } catch {
            return failure(500, "\(error)")
        }
    }

    static func json(_ body: Data) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func failure(_ status: Int, _ reason: String) -> Response {
        let line = reason.split(whereSeparator: \.isNewline).joined(separator: " ")
        return Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: line + "\n")))
    }
}
