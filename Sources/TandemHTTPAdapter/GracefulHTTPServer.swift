import Foundation
public import Hummingbird
public import Logging
import ServiceLifecycle

/// A Hummingbird application run in a task of its own, stopped by graceful
/// shutdown, never by cancelling that task.
///
/// Why: cancelled, Hummingbird's server stops reading the connections it
/// has accepted, and one accepted in that moment is dropped unread, which
/// SwiftNIO treats as a programming error and stops the whole process on
/// ("Deinited NIOAsyncWriter without calling finish()"; seen when a webhook
/// or a poll reached a server as it stopped). Shut down gracefully, the
/// server first closes its listening socket, then lets open connections
/// finish, so none is dropped.
///
/// Guarantees: `stop()` returns once the server has stopped; it may be
/// called more than once, and from a cancelled task.
public final class GracefulHTTPServer: Sendable {
    private let group: ServiceGroup
    private let running: Task<Void, Never>

    /// Starts `application`; `failed` gets the error it stops with, if any
    /// (a port in use, say).
    public init(_ application: some ApplicationProtocol, failed: @escaping @Sendable (any Error) -> Void = { _ in }) {
        let group = ServiceGroup(configuration: .init(services: [application], logger: application.logger))
        self.group = group
        // An unstructured task: cancelling whoever started the server does
        // not cancel it; only `stop()` ends it.
        running = Task.detached {
            do {
                try await group.run()
            } catch {
                failed(error)
            }
        }
    }

    /// Serves `router` on 127.0.0.1 at a port the system picks; returns
    /// once it listens, with the port.
    ///
    /// - Throws: `POSIXError(.EADDRNOTAVAIL)` when the server could not listen.
    public static func onLoopback(
        _ router: Router<BasicRequestContext>, logger: Logger
    ) async throws -> (server: GracefulHTTPServer, port: Int) {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let server = GracefulHTTPServer(application) { _ in portContinuation.finish() }
        var bound: Int?
        for await port in ports {
            bound = port
            break
        }
        guard let bound, bound > 0 else {
            await server.stop()
            throw POSIXError(.EADDRNOTAVAIL)
        }
        return (server, bound)
    }

    /// Shuts the server down gracefully and waits until it has stopped.
    public func stop() async {
        await group.triggerGracefulShutdown()
        await running.value
    }

    /// Waits until the server stops by itself (it failed), or until the
    /// calling task is cancelled, which stops it gracefully.
    public func runUntilCancelled() async {
        await withTaskCancellationHandler {
            await running.value
        } onCancel: {
            Task { await self.stop() }
        }
    }
}
