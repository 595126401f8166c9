import Foundation
import TandemTestSupport

/// The built `tandem-sim`, run as a subprocess (`TANDEM_SIM_EXECUTABLE`
/// overrides where it is). Each run is a fresh process with its own hashing
/// seed, which is what a determinism check across processes needs.
enum SimExecutable {
    static func run(_ arguments: [String]) async throws -> Subprocess.Result {
        try await Subprocess.run(ExecutableLocator.locate("tandem-sim", override: "TANDEM_SIM_EXECUTABLE"), arguments)
    }
}
