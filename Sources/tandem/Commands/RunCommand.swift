import ArgumentParser
import TandemDaemon

/// `tandem run --config FILE [--log-format text|json]`: runs the node in
/// the foreground until SIGINT or SIGTERM (`NodeDaemon`).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a node in the foreground until SIGINT or SIGTERM.",
        discussion: """
            Logs one line per event on standard error. Exits 0 after a clean shutdown; \
            a bad configuration, key file, data directory or occupied port exits non-zero \
            with a one-line reason.
            """
    )

    @OptionGroup var options: ConfigOption

    @Option(name: .long, help: "Log lines as readable text, or as one JSON object per line.")
    var logFormat: LogFormat = .text

    func run() async throws {
        let file = try options.load()
        try await NodeDaemon(configuration: file, logger: logFormat.makeLogger(), adapters: BuiltInAdapters()).run()
    }
}
