import Foundation
import TandemTestSupport
import Testing

/// Whether `text` is one line of exactly 64 lowercase hexadecimal digits.
func isNodeIDLine(_ text: String) -> Bool {
    let line = text.hasSuffix("\n") ? String(text.dropLast()) : text
    return line.utf8.count == 64 && line.allSatisfy { "0123456789abcdef".contains($0) }
}

@Suite("tandem command line")
struct TandemCLITests {
    @Test("keygen writes a key file and prints the node id; node-id prints the same")
    func keygenThenNodeID() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keyPath = directory.appending("node.key")

        let keygen = try await TandemExecutable.run(["keygen", "--output", keyPath])
        #expect(keygen.status == 0, "stderr: \(keygen.stderr)")
        #expect(isNodeIDLine(keygen.stdout), "stdout: \(keygen.stdout)")
        #expect(FileManager.default.fileExists(atPath: keyPath))

        let nodeID = try await TandemExecutable.run(["node-id", "--key", keyPath])
        #expect(nodeID.status == 0, "stderr: \(nodeID.stderr)")
        #expect(nodeID.stdout == keygen.stdout)
    }

    @Test("keygen creates the key file with mode 0600")
    func keygenMode() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keyPath = directory.appending("node.key")

        let keygen = try await TandemExecutable.run(["keygen", "-o", keyPath])
        #expect(keygen.status == 0, "stderr: \(keygen.stderr)")

        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("keygen on an existing file fails, names the file and leaves it alone")
    func keygenExistingFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keyPath = directory.appending("node.key")
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: keyPath))

        let keygen = try await TandemExecutable.run(["keygen", "--output", keyPath])
        #expect(keygen.status != 0)
        #expect(keygen.stdout.isEmpty)
        #expect(keygen.stderr.contains(keyPath))
        #expect(keygen.stderr.contains("already exists"))
        #expect(try String(contentsOfFile: keyPath, encoding: .utf8) == "precious\n")
    }

    @Test("keygen into a missing directory fails with a clear message")
    func keygenMissingDirectory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keyPath = directory.appending("absent/node.key")

        let keygen = try await TandemExecutable.run(["keygen", "--output", keyPath])
        #expect(keygen.status != 0)
        #expect(keygen.stderr.contains(keyPath))
        #expect(keygen.stderr.contains("directory does not exist"))
    }

    @Test("node-id on a garbage file fails with a clear message")
    func nodeIDGarbage() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keyPath = directory.appending("garbage.key")
        try Data("this is not a key\n".utf8).write(to: URL(fileURLWithPath: keyPath))

        let result = try await TandemExecutable.run(["node-id", "--key", keyPath])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(keyPath))
        #expect(result.stderr.contains("not a Tandem key file"))
    }

    @Test("node-id on a missing file fails with a clear message")
    func nodeIDMissing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keyPath = directory.appending("absent.key")

        let result = try await TandemExecutable.run(["node-id", "--key", keyPath])
        #expect(result.status != 0)
        #expect(result.stderr.contains("key file \(keyPath): no such file"))
    }

    @Test("--help lists the subcommands")
    func help() async throws {
        let result = try await TandemExecutable.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("SUBCOMMANDS:"))
        #expect(result.stdout.contains("keygen"))
        #expect(result.stdout.contains("node-id"))
    }

    @Test("a missing required option is a usage error")
    func missingOption() async throws {
        let result = try await TandemExecutable.run(["keygen"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--output"))
    }
}
