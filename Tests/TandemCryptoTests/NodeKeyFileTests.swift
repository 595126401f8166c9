import Foundation
import TandemCrypto
import Testing
import TandemTestSupport

@Suite("Key files", .ownThread)
struct NodeKeyFileTests {
    let validSeedHex = String(repeating: "0123456789abcdef", count: 4)

    @Test("a written key file reads back as the same key pair")
    func roundtrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keys = try NodeKeyPair.generate()
        let path = directory.appending("node.key")

        try NodeKeyFile.write(keys, to: path)
        let loaded = try NodeKeyFile.read(from: path)

        #expect(loaded.nodeID == keys.nodeID)
        #expect(loaded.publicKey == keys.publicKey)
        let message: [UInt8] = [1, 2, 3]
        #expect(loaded.sign(message) == keys.sign(message))
    }

    @Test("the file holds the header and the seed in lowercase hex")
    func format() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let seed = Array(UInt8(0xf0)...UInt8(0xff)) + Array(UInt8(0)..<16)
        let path = directory.appending("node.key")

        try NodeKeyFile.write(try NodeKeyPair(seed: seed), to: path)

        let text = try String(contentsOfFile: path, encoding: .utf8)
        let seedHex = seed.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        #expect(text == "tandem-ed25519-seed-v1\n" + seedHex.joined() + "\n")
    }

    @Test("uppercase hex and CRLF line endings are accepted")
    func lenientReading() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let lower = try directory.write("tandem-ed25519-seed-v1\n\(validSeedHex)\n", to: "lower.key")
        let upper = try directory.write("tandem-ed25519-seed-v1\r\n\(validSeedHex.uppercased())\r\n", to: "upper.key")
        #expect(try NodeKeyFile.read(from: lower).nodeID == NodeKeyFile.read(from: upper).nodeID)
    }

    @Test("the file is created with mode 0600")
    func modeIs0600() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("node.key")

        try NodeKeyFile.write(try NodeKeyPair.generate(), to: path)

        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let mode = try #require(attributes[.posixPermissions] as? NSNumber).intValue
        #expect(mode == 0o600)
    }

    @Test("an existing file is not overwritten")
    func existingFileKept() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("precious\n", to: "node.key")

        #expect(throws: CryptoError.keyFile(path: path, problem: .alreadyExists)) {
            try NodeKeyFile.write(try NodeKeyPair.generate(), to: path)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious\n")
    }

    @Test("a symbolic link at the path is not followed")
    func symlinkNotFollowed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("link.key")
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: directory.appending("target"))

        #expect(throws: CryptoError.keyFile(path: path, problem: .alreadyExists)) {
            try NodeKeyFile.write(try NodeKeyPair.generate(), to: path)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appending("target")))
    }

    @Test("writing into a missing directory names the cause")
    func missingDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("absent/node.key")

        #expect(throws: CryptoError.keyFile(path: path, problem: .directoryMissing)) {
            try NodeKeyFile.write(try NodeKeyPair.generate(), to: path)
        }
    }

    @Test("reading a missing file names the file")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("absent.key")

        let error = #expect(throws: CryptoError.self) { try NodeKeyFile.read(from: path) }
        #expect(error == .keyFile(path: path, problem: .missing))
        #expect(error?.description == "key file \(path): no such file")
    }

    @Test("a file without the header is refused")
    func garbageHeader() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("ssh-ed25519 AAAA\n\(validSeedHex)\n", to: "node.key")

        let error = #expect(throws: CryptoError.self) { try NodeKeyFile.read(from: path) }
        #expect(error == .keyFile(path: path, problem: .wrongHeader(found: "ssh-ed25519 AAAA")))
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("not a Tandem key file") == true)
    }

    @Test("binary garbage is refused with a printable message")
    func binaryGarbage() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("node.key")
        try Data([0, 1, 2, 0xff, 0x41]).write(to: URL(fileURLWithPath: path))

        #expect(throws: CryptoError.keyFile(path: path, problem: .wrongHeader(found: "????A"))) {
            try NodeKeyFile.read(from: path)
        }
    }

    @Test("an empty file is refused")
    func emptyFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("", to: "node.key")

        #expect(throws: CryptoError.keyFile(path: path, problem: .wrongHeader(found: ""))) {
            try NodeKeyFile.read(from: path)
        }
    }

    @Test("a non-hex digit is reported with its column")
    func badHex() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let seed = String(validSeedHex.prefix(10)) + "zz" + String(validSeedHex.dropFirst(12))
        let path = try directory.write("tandem-ed25519-seed-v1\n\(seed)\n", to: "node.key")

        #expect(throws: CryptoError.keyFile(path: path, problem: .badHex(column: 11))) {
            try NodeKeyFile.read(from: path)
        }
    }

    @Test("a truncated seed is refused", arguments: [0, 1, 40, 63])
    func truncated(digits: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("tandem-ed25519-seed-v1\n\(validSeedHex.prefix(digits))", to: "node.key")

        let error = #expect(throws: CryptoError.self) { try NodeKeyFile.read(from: path) }
        #expect(error == .keyFile(path: path, problem: .wrongSeedLength(hexDigits: digits)))
        #expect(error?.description.contains("found \(digits)") == true)
    }

    @Test("a file with only the header is refused")
    func headerOnly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("tandem-ed25519-seed-v1", to: "node.key")

        #expect(throws: CryptoError.keyFile(path: path, problem: .wrongSeedLength(hexDigits: 0))) {
            try NodeKeyFile.read(from: path)
        }
    }

    @Test("a seed that is too long is refused")
    func tooLong() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("tandem-ed25519-seed-v1\n\(validSeedHex)00\n", to: "node.key")

        #expect(throws: CryptoError.keyFile(path: path, problem: .wrongSeedLength(hexDigits: 66))) {
            try NodeKeyFile.read(from: path)
        }
    }

    @Test("content after the seed line is refused")
    func trailingContent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("tandem-ed25519-seed-v1\n\(validSeedHex)\n\nextra\n", to: "node.key")

        #expect(throws: CryptoError.keyFile(path: path, problem: .unexpectedContent(line: 4))) {
            try NodeKeyFile.read(from: path)
        }
    }

    @Test("an oversized file is refused unread")
    func oversized() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(String(repeating: "x", count: 10_000), to: "node.key")

        #expect(throws: CryptoError.keyFile(path: path, problem: .tooLarge(byteCount: 10_000))) {
            try NodeKeyFile.read(from: path)
        }
    }

    @Test("an unreadable file reports permission denied", .enabled(if: getuid() != 0, "root reads any file"))
    func permissionDenied() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("node.key")
        try NodeKeyFile.write(try NodeKeyPair.generate(), to: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: path)

        #expect(throws: CryptoError.keyFile(path: path, problem: .permissionDenied)) {
            try NodeKeyFile.read(from: path)
        }
    }

    @Test("writing into a read-only directory reports permission denied", .enabled(if: getuid() != 0, "root writes anywhere"))
    func writePermissionDenied() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let locked = directory.appending("locked")
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o500])
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: locked) }
        let path = locked + "/node.key"

        #expect(throws: CryptoError.keyFile(path: path, problem: .permissionDenied)) {
            try NodeKeyFile.write(try NodeKeyPair.generate(), to: path)
        }
    }
}
