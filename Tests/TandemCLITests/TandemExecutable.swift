import Foundation
import TandemTestSupport

/// Runs the built `tandem` executable as a real subprocess (found by
/// `ExecutableLocator`; `TANDEM_EXECUTABLE` overrides where).
enum TandemExecutable {
    typealias Result = Subprocess.Result

    /// Runs `tandem` with `arguments` and waits for it to exit.
    static func run(_ arguments: [String]) throws -> Result {
        try Subprocess.run(ExecutableLocator.locate("tandem", override: "TANDEM_EXECUTABLE"), arguments)
    }
}
