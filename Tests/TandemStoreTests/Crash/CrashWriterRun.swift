import Foundation
import Testing
import TandemTestSupport
import tandem_crash_writer
#if canImport(Glibc)
import Glibc
#endif

/// One run of `tandem-crash-writer`: started on a data directory, killed
/// with SIGKILL once its output satisfies a condition.
struct CrashWriterRun {
    /// The sequences the writer announced, local and of the fake remote
    /// origin: each was committed before it was printed.
    var local: [UInt64] = []
    var remote: [UInt64] = []

    /// Kill points.
    enum KillPoint: CustomStringConvertible {
        /// Once the writer said it is opening the store, and then `within`
        /// milliseconds have passed or it announced its first commit,
        /// whichever comes first. Opening a new store takes about 10 ms in a
        /// debug build, so small values land inside its creation.
        case opening(withinMilliseconds: Int)
        /// Once the writer announced this many commits (local or remote).
        case commits(Int)

        func reached(_ lines: [String]) -> Bool {
            switch self {
            case .opening: lines.contains("open")
            case .commits(let count): lines.filter { $0.hasPrefix("ack") }.count >= count
            }
        }

        var description: String {
            switch self {
            case .opening(let milliseconds): "within \(milliseconds) ms of opening"
            case .commits(let count): "after \(count) commits"
            }
        }
    }

    /// Starts the writer, waits (with a deadline) for the kill point, kills
    /// it with SIGKILL, waits for it to exit, and collects every line it
    /// printed.
    static func killed(
        executable: URL, directory: String, seed: UInt64, nodeByte: UInt8, at point: KillPoint,
        logDirectory: TemporaryDirectory, round: Int
    ) async throws -> CrashWriterRun {
        let errorPath = logDirectory.appending("writer-\(round).stderr")
        #expect(FileManager.default.createFile(atPath: errorPath, contents: nil))
        let errorFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer { try? errorFile.close() }
        let output = Pipe()
        let process = Process()
        process.executableURL = executable
        process.arguments = [directory, String(seed), String(nodeByte)]
        process.standardOutput = output
        process.standardError = errorFile
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let reader = LineReader(output.fileHandleForReading)
        func writerErrors() -> String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

        let seen = await reader.wait(until: Date(timeIntervalSinceNow: 90)) { point.reached($0) }
        if case .opening(let milliseconds) = point, point.reached(seen.lines) {
            // The kill time is the random point under test; this waits on
            // the writer's output, with that deadline.
            _ = await reader.wait(until: Date(timeIntervalSinceNow: Double(milliseconds) / 1000)) { lines in
                lines.contains { $0.hasPrefix("ack") }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let all = await reader.waitForEnd(until: Date(timeIntervalSinceNow: 60))
        try #require(
            point.reached(seen.lines),
            "round \(round): the writer stopped before the kill point (\(point)); output \(seen.lines); stderr: \(writerErrors())")
        try #require(
            process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
            "round \(round): the writer ended by itself (status \(process.terminationStatus)); stderr: \(writerErrors())")
        #expect(all.ended, "round \(round): standard output did not reach its end after the kill")

        var run = CrashWriterRun()
        for line in all.lines where line != "open" {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let sequence = UInt64(parts[1]) else {
                Issue.record("round \(round): unexpected line \(line)")
                continue
            }
            switch parts[0] {
            case "ack": run.local.append(sequence)
            case "ack-remote": run.remote.append(sequence)
            default: Issue.record("round \(round): unexpected line \(line)")
            }
        }
        return run
    }
}
