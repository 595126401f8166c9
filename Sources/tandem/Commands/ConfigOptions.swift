public import ArgumentParser
import TandemDaemon

/// The `--config FILE` option shared by the commands that act on a
/// configured node; loading it turns configuration errors into the
/// one-line reason the command exits with.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The node's TOML configuration file.", completion: .file(extensions: ["toml"]))
    var config: String

    func load() throws(DaemonError) -> NodeConfigurationFile {
        do {
            return try NodeConfigurationFile.load(path: config)
        } catch {
            throw DaemonError.configuration(error)
        }
    }
}

extension LogFormat: ExpressibleByArgument {}

/// A failure of a command's own input, printed as its one-line reason
/// (without the usage text a `ValidationError` adds).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
