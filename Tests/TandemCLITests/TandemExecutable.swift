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

    /// The same, waiting on a thread of its own: a long run (the demo, a
    /// node that must exit) does not hold one of the few threads every
    /// concurrently running async test shares.
    static func runOffPool(_ arguments: [String]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Swift.Result { try run(arguments) })
            }
            thread.start()
        }
    }
}
