import ArgumentParser
import TandemCore
import TandemCrypto

/// `tandem node-id --key <path>`: prints the node id of an existing key file.
struct NodeIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node-id",
        abstract: "Print the node id of a key file.",
        discussion: "Prints the node id (64 hexadecimal digits) on standard output."
    )

    @Option(name: .shortAndLong, help: "Path of the key file to read.", completion: .file())
    var key: String

    func run() throws {
        let keyPair = try NodeKeyFile.read(from: key)
        print(keyPair.nodeID.hex)
    }
}
