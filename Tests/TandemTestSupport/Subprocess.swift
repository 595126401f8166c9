public import Foundation

/// Runs a program to completion and collects what it printed.
public enum Subprocess {
    /// A finished run.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `executable` with `arguments` and waits for it to exit, on a
    /// thread of its own (`onOwnThread`), not on the concurrency pool. Standard
    /// input is `input` (empty when nil), from a temporary file; standard output and standard error
    /// are read at the same time, each on a thread of its own, so a program
    /// that fills one pipe while the other is being read cannot stall.
    /// `environment` adds to (or replaces entries of) this process's
    /// environment; `directory` is the working directory (this process's
    /// when nil).
    public static func run(
        _ executable: URL,
        _ arguments: [String],
        input: Data? = nil,
        environment: [String: String] = [:],
        directory: URL? = nil
    ) async throws -> Result {
        try await onOwnThread {
            try runBlocking(executable, arguments, input: input, environment: environment, directory: directory)
        }
    }

    /// `run`, blocking the calling thread: only for a thread that is not
    /// the concurrency pool's (inside `onOwnThread`).
    public static func runBlocking(
        _ executable: URL,
        _ arguments: [String],
        input: Data? = nil,
        environment: [String: String] = [:],
        directory: URL? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        if let directory { process.currentDirectoryURL = directory }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        if let input {
            // A file rather than a pipe, so a program that exits before
            // reading all of its input cannot raise SIGPIPE in this process.
            // It is unlinked once open; the open descriptor keeps it readable.
            let file = FileManager.default.temporaryDirectory
                .appendingPathComponent("tandem-subprocess-\(UUID().uuidString).in")
            try input.write(to: file)
            let handle = try FileHandle(forReadingFrom: file)
            try? FileManager.default.removeItem(at: file)
            process.standardInput = handle
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        let err = PipeDrain(stderr.fileHandleForReading)
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let errData = err.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Reads a pipe to its end on a thread of its own.
private final class PipeDrain: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var data: Data?

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            let read = handle.readDataToEndOfFile()
            condition.lock()
            data = read
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Waits for the end of the pipe and returns everything read.
    func wait() -> Data {
        condition.lock()
        defer { condition.unlock() }
        while data == nil { condition.wait() }
        return data ?? Data()
    }
}
