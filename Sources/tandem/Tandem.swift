import ArgumentParser

/// The `tandem` command: one subcommand per task, each in `Commands/`.
@main
struct Tandem: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Keep records identical across systems with CRDT-based peer-to-peer sync.",
        subcommands: [
            KeygenCommand.self,
            NodeIDCommand.self,
            DemoCommand.self,
        ]
    )
}
