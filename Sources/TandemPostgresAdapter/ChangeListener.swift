import Logging
import PostgresNIO

/// Listens for the capture trigger's NOTIFY on a connection of its own and
/// wakes `wait` callers; no polling. The connection is re-established with
/// backoff when it breaks, and every (re)connection wakes the waiters too:
/// notifications sent while nobody listened are lost, so the runner must
/// read the outbox after one.
actor ChangeListener {
    private let configuration: PostgresConnection.Configuration
    private let channel: String
    private let logger: Logger
    private var task: Task<Void, Never>?
    private var connection: PostgresConnection?
    private var pending = false
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0
    private var closed = false

    init(configuration: PostgresConnection.Configuration, channel: String, logger: Logger) {
        self.configuration = configuration
        self.channel = channel
        self.logger = logger
    }

    /// Returns when a notification arrived (also one that arrived since the
    /// last call), the listener (re)connected, `timeoutMillis` passed or the
    /// calling task was cancelled.
    func wait(timeoutMillis: Int) async {
        startIfNeeded()
        if pending || closed {
            pending = false
            return
        }
        let id = nextWaiter
        nextWaiter += 1
        let timer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(max(timeoutMillis, 0)))
            await self?.expire(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters[id] = continuation
            }
        } onCancel: {
            // Runs after the waiter is registered (this actor is busy until then).
            Task { await self.expire(id) }
        }
        timer.cancel()
    }

    /// Stops listening and wakes every waiter.
    func close() async {
        closed = true
        task?.cancel()
        task = nil
        wakeAll()
        if let connection {
            self.connection = nil
            try? await connection.close()
        }
    }

    private func startIfNeeded() {
        guard task == nil, !closed else { return }
        task = Task { await self.listenLoop() }
    }

    private func expire(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume()
    }

    private func signal() {
        if waiters.isEmpty {
            pending = true
        } else {
            wakeAll()
        }
    }

    private func wakeAll() {
        let woken = waiters.values
        waiters = [:]
        for waiter in woken { waiter.resume() }
    }

    private func adopt(_ made: PostgresConnection?) -> Bool {
        connection = made
        return !closed
    }

    /// Connects, listens and forwards notifications until closed.
    private nonisolated func listenLoop() async {
        var backoff: Duration = .milliseconds(50)
        var connectionID = 1
        while !Task.isCancelled {
            var made: PostgresConnection?
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: configuration, id: connectionID, logger: logger)
                connectionID += 1
                made = connection
                guard await adopt(connection) else {
                    try? await connection.close()
                    return
                }
                try await connection.listen(on: channel) { notifications in
                    // Listening: anything committed from now on is notified.
                    backoff = .milliseconds(50)
                    await self.signal()
                    for try await _ in notifications {
                        await self.signal()
                    }
                }
            } catch {
                if !Task.isCancelled {
                    logger.debug("LISTEN connection failed", metadata: ["channel": "\(channel)", "error": "\(String(reflecting: error))"])
                }
            }
            _ = await adopt(nil)
            if let made { try? await made.close() }
            guard !Task.isCancelled else { return }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
    }
}
