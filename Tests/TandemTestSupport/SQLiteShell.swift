import Foundation

/// Runs SQL against the database file at `path` through the sqlite3 shell,
/// as another program would (waiting up to 10 s for other writers), and
/// returns its trimmed output.
///
/// - Throws: `SQLiteShellError` with the shell's standard error when it fails.
@discardableResult
public func sqlite3(_ path: String, _ sql: String) async throws -> String {
    let result = try await Subprocess.run(URL(fileURLWithPath: "/usr/bin/sqlite3"), ["-bail", "-cmd", ".timeout 10000", path, sql])
    guard result.status == 0 else { throw SQLiteShellError(description: "sqlite3 \(path) failed: \(result.stderr)") }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The sqlite3 shell failed.
public struct SQLiteShellError: Error, CustomStringConvertible {
    public var description: String
}
