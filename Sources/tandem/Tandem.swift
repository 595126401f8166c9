import ArgumentParser

/// The `tandem` command: one subcommand per task, each in `Commands/`.
@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Keep records identical across systems with CRDT-based peer-to-peer sync.",
        subcommands: [
            KeygenCommand.self,
            NodeIDCommand.self,
            RunCommand.self,
            StatusCommand.self,
            AuditCommand.self,
            ConflictsCommand.self,
            RestoreCommand.self,
            DeletesCommand.self,
            ApproveDeletesCommand.self,
            RejectDeletesCommand.self,
            ParityCommand.self,
            DetachCommand.self,
            DemoCommand.self,
        ]
    )
}
