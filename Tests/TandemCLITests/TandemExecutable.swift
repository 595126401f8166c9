import Foundation
import Testing

/// Runs the built `tandem` executable as a real subprocess.
///
/// `swift test` builds `tandem` into the same products directory as the test
/// binary (the `.xctest` bundle on Linux is an executable in that directory;
/// on macOS it is a bundle whose parent is that directory). The executable is
/// looked for there first, then in the package's `.build/debug`. Set
/// `TANDEM_EXECUTABLE` to override.
enum TandemExecutable {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The places the executable may be, most specific first.
    static var candidates: [URL] {
        var directories: [URL] = []
        if let override = ProcessInfo.processInfo.environment["TANDEM_EXECUTABLE"] {
            return [URL(fileURLWithPath: override)]
        }
        for bundle in [Bundle.main] + Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        directories.append(executable.deletingLastPathComponent())
        directories.append(Bundle.main.bundleURL)
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // TandemCLITests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
        directories.append(packageRoot.appendingPathComponent(".build/debug"))
        var seen: Set<String> = []
        return directories
            .map { $0.appendingPathComponent("tandem").standardizedFileURL }
            .filter { seen.insert($0.path).inserted }
    }

    /// The first candidate that is an executable file.
    static func locate() throws -> URL {
        let found = candidates.first { url in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
                && FileManager.default.isExecutableFile(atPath: url.path)
        }
        return try #require(found, "tandem executable not found; looked at \(candidates.map(\.path))")
    }

    /// Runs `tandem` with `arguments` and waits for it to exit.
    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = try locate()
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Outputs are a few lines, far below a pipe's buffer, so reading one
        // pipe to its end before the other cannot block the child.
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self)
        )
    }
}
