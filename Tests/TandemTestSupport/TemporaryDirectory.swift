import Foundation

/// A fresh directory under the system's temporary directory, removed by
/// `remove()`.
public struct TemporaryDirectory: Sendable {
    /// The directory's path.
    public let path: String

    /// Creates `tandem-<name>-<UUID>` under the system's temporary directory.
    public init(_ name: String = "tests") throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("tandem-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    public func appending(_ component: String) -> String { (path as NSString).appendingPathComponent(component) }

    /// Writes `text` to the file `name` inside the directory and returns its path.
    public func write(_ text: String, to name: String) throws -> String {
        let target = appending(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
