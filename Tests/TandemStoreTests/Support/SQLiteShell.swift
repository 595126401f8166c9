import Foundation
import TandemTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real `sqlite3` command-line shell, to make and inspect files the way
/// another program would.
enum SQLiteShell {
    static let path = "/usr/bin/sqlite3"

    /// Runs `sql` on the database at `database`; returns standard output,
    /// trimmed. A non-zero exit is a test failure.
    @discardableResult
    static func run(_ database: String, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try #require(FileManager.default.isExecutableFile(atPath: path), "sqlite3 shell not found at \(path)")
        let result = try await Subprocess.run(URL(fileURLWithPath: path), [database, sql])
        #expect(result.status == 0, "sqlite3 failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Leaves `database` with a hot journal: runs `sql` in a transaction
    /// (rollback-journal mode, a tiny page cache so pages spill into the
    /// file) and kills the shell with SIGKILL before it commits.
    static func killInsideTransaction(_ database: String, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: path), "sqlite3 shell not found at \(path)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [database]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let reader = LineReader(output.fileHandleForReading)
        // `.system` prints through a child process, unbuffered: the line
        // shows the statements before it have run.
        input.fileHandleForWriting.write(Data("PRAGMA cache_size = 2;\nBEGIN;\n\(sql)\n.system echo inside\n".utf8))
        let seen = await reader.wait(until: Date(timeIntervalSinceNow: 90)) { $0.contains("inside") }
        kill(process.processIdentifier, SIGKILL)
        try await onOwnThread { process.waitUntilExit() }
        try #require(seen.lines.contains("inside"), "the shell did not reach the transaction", sourceLocation: sourceLocation)
        try #require(
            FileManager.default.fileExists(atPath: database + "-journal"), "no journal was left", sourceLocation: sourceLocation)
    }
}
