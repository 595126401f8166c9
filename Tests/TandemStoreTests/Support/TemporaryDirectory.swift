import Foundation

/// A fresh directory under the system temporary directory, removed by
/// `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString)
            .appendingPathComponent("tandem-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    func appending(_ component: String) -> String { (path as NSString).appendingPathComponent(component) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
