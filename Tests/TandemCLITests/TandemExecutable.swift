import Foundation
import TandemTestSupport

/// Runs the built `tandem` executable as a real subprocess (found by
/// `ExecutableLocator`; `TANDEM_EXECUTABLE` overrides where).
enum TandemExecutable {
    typealias Result = Subprocess.Result

    /// Runs `tandem` with `arguments` and waits for it to exit, off the
    /// concurrency pool (`Subprocess.run`).
    static func run(_ arguments: [String]) async throws -> Result {
        try await Subprocess.run(ExecutableLocator.locate("tandem", override: "TANDEM_EXECUTABLE"), arguments)
    }
}
