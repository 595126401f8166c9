import Foundation

/// Long work as a terminal shows it: while `work` runs for more than a
/// second, a line on standard error counting the seconds (`checking
/// parity… 12 s`), rewritten in place and erased at the end. Nothing is
/// written when standard error is not a terminal (scripts, logs, tests).
enum TerminalProgress {
    static func whileRunning<T>(_ label: String, _ work: () async throws -> T) async throws -> T {
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
                FileHandle.standardError.write(Data("\r\(label)… \(seconds) s".utf8))
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
