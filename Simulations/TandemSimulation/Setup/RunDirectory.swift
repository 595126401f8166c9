import Foundation

/// The temporary directory of one SQLite run: one data directory per node
/// inside it. Its name is unique (runs of one seed may happen at once in
/// different threads or processes) and never reaches the trace, so a run's
/// output does not depend on it. `remove()` deletes it with everything in it.
struct RunDirectory {
    let path: String

    /// Creates a new, empty directory for the run of `seed`.
    init(seed: UInt64) throws {
        let base = FileManager.default.temporaryDirectory.path
        path = (base as NSString).appendingPathComponent("tandem-sim-\(seed)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Node `index`'s data directory (created by its store when opened).
    func node(_ index: Int) -> String {
        (path as NSString).appendingPathComponent("n\(index)")
    }

    /// Deletes the directory and everything in it.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
