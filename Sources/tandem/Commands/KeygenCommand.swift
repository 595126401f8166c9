import ArgumentParser
import TandemCore
import TandemCrypto

/// `tandem keygen --output <path>`: creates a node key file and prints the
/// new node id, refusing to replace an existing file.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a node key pair and write it to a new key file.",
        discussion: """
            Prints the new node id (64 hexadecimal digits) on standard output. \
            The key file is created with mode 0600; an existing file is never overwritten.
            """
    )

    @Option(name: .shortAndLong, help: "Path of the key file to create.", completion: .file())
    var output: String

    func run() throws {
        let keyPair = try NodeKeyPair.generate()
        try NodeKeyFile.write(keyPair, to: output)
        print(keyPair.nodeID.hex)
    }
}
