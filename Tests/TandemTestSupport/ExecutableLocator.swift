public import Foundation
import Testing

/// Finds an executable built by this package, for tests that run the real
/// binary as a subprocess: next to the test binary (the `.xctest` bundle on
/// Linux is an executable in the products directory; on macOS its parent is
/// that directory), then in the package's `.build/debug`. The environment
/// variable `override`, when set, names it outright.
public enum ExecutableLocator {
    /// The places `name` may be, most specific first.
    public static func candidates(_ name: String, override: String) -> [URL] {
        if let path = ProcessInfo.processInfo.environment[override] {
            return [URL(fileURLWithPath: path)]
        }
        var directories: [URL] = []
        for bundle in [Bundle.main] + Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        directories.append(executable.deletingLastPathComponent())
        directories.append(Bundle.main.bundleURL)
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // TandemTestSupport
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
        directories.append(packageRoot.appendingPathComponent(".build/debug"))
        var seen: Set<String> = []
        return directories
            .map { $0.appendingPathComponent(name).standardizedFileURL }
            .filter { seen.insert($0.path).inserted }
    }

    /// The first candidate that is an executable file.
    public static func locate(_ name: String, override: String) throws -> URL {
        let candidates = candidates(name, override: override)
        let found = candidates.first { url in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
                && FileManager.default.isExecutableFile(atPath: url.path)
        }
        return try #require(found, "\(name) not found; looked at \(candidates.map(\.path))")
    }
}
