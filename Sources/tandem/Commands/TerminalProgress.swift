import Foundation

/// Long work as a terminal shows it: while `work` runs for more than a
/// second, a line on standard error counting the seconds and, with
/// `detail`, what it reports (`checking parity… 12 s, 340000 records
/// swept`), rewritten in place and erased at the end. Nothing is written
/// when standard error is not a terminal (scripts, logs, tests).
enum TerminalProgress {
    static func whileRunning<T>(
        _ label: String, detail: (@Sendable () async -> String?)? = nil, _ work: () async throws -> T
    ) async throws -> T {
        guard isatty(STDERR_FILENO) == 1 else { return try await work() }
        let ticker = Task { () -> Bool in
            let start = ContinuousClock.now
            var shown = false
            while true {
                do {
                    try await Task.sleep(for: .seconds(1))  // the display's refresh, not synchronisation
                } catch {
                    return shown
                }
                let seconds = (ContinuousClock.now - start).components.seconds
                let more = await detail?().map { ", " + $0 } ?? ""
                FileHandle.standardError.write(Data("\r\(label)… \(seconds) s\(more)\u{1B}[K".utf8))
                shown = true
            }
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await work())
        } catch {
            result = .failure(error)
        }
        ticker.cancel()
        if await ticker.value {
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
        return try result.get()
    }
}
