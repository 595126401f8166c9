public import Foundation

/// Collects the lines a child process writes to a pipe, on a thread of its
/// own, so the test can wait for a condition on them with a deadline
/// instead of sleeping.
public final class LineReader: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var lines: [String] = []
    private var partial = Data()
    private var finished = false

    /// Starts reading `handle` until end of file.
    public init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let data = handle.availableData
                condition.lock()
                if data.isEmpty {
                    finished = true
                } else {
                    append(data)
                }
                condition.broadcast()
                condition.unlock()
                if data.isEmpty { return }
            }
        }
        thread.start()
    }

    private func append(_ data: Data) {
        partial.append(data)
        while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: partial[partial.startIndex..<newline], as: UTF8.self))
            partial = Data(partial[(newline + 1)...])
        }
    }

    /// Waits until `done(lines)` holds, the stream ends, or `deadline`
    /// passes; returns the complete lines read so far and whether the
    /// stream ended. It polls every 5 ms, suspended: no thread of the
    /// concurrency pool waits meanwhile.
    public func wait(until deadline: Date, for done: ([String]) -> Bool) async -> (lines: [String], ended: Bool) {
        while true {
            let now = snapshot()
            if done(now.lines) || now.ended || Date() >= deadline { return now }
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                return snapshot()
            }
        }
    }

    /// Waits for the end of the stream (or `deadline`); returns every
    /// complete line and whether the stream ended.
    public func waitForEnd(until deadline: Date) async -> (lines: [String], ended: Bool) {
        await wait(until: deadline) { _ in false }
    }

    /// The complete lines read so far and whether the stream ended, without waiting.
    public func snapshot() -> (lines: [String], ended: Bool) {
        condition.lock()
        defer { condition.unlock() }
        return (lines, finished)
    }
}
