public import Logging
public import NIOCore
public import PostgresNIO

/// Sends a statement on its connection's event loop, only while the channel
/// is still active there.
///
/// postgres-nio never answers a statement written after its channel closed
/// (the server crashed or restarted between two statements of one step):
/// the write fails with no promise to report it, and the caller would wait
/// forever with the connection held. Checked and written on the event loop,
/// a statement either reaches the connection's handler (which fails it if
/// the channel closes later) or fails here. Used by the
/// adapter's driver and the node's store; found by `PostgresCrashTests`: an
/// adapter stopped for good after a crash of the server.
public enum ActiveChannelQuery {
    /// The connection had closed when the statement was to be sent.
    public struct ConnectionClosed: Error, CustomStringConvertible {
        public var description: String { "the connection closed before the statement was sent" }
    }

    public static func send(
        _ query: PostgresQuery, on connection: PostgresConnection, logger: Logger
    ) -> EventLoopFuture<PostgresQueryResult> {
        let loop = connection.eventLoop
        return loop.flatSubmit {
            guard !connection.isClosed else { return loop.makeFailedFuture(ConnectionClosed()) }
            return connection.query(query, logger: logger)
        }
    }
}
