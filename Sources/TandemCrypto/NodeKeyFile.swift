import TandemCore

/// Reads and writes a node's key pair as a small text file.
///
/// The format is two lines:
/// ```
/// tandem-ed25519-seed-v1
/// <64 lowercase hexadecimal digits: the 32-byte Ed25519 seed>
/// ```
/// The public key and node id are derived from the seed, so they cannot
/// disagree with it.
///
/// Guarantees:
/// - ``write(_:to:)`` never overwrites or follows a symbolic link at the path;
///   the file is created with mode 0600 (owner read/write only) whatever the
///   umask, and a failed write leaves no file behind.
/// - ``read(from:)`` returns a key pair only for a well-formed file; every
///   failure is a ``CryptoError/keyFile(path:problem:)`` naming the file and
///   the cause. Uppercase hex digits, a trailing newline and `\r\n` line
///   endings are accepted.
public enum NodeKeyFile {
    /// The first line of every key file.
    public static let header = "tandem-ed25519-seed-v1"
    /// The number of hexadecimal digits on the seed line.
    public static let seedHexDigits = 2 * NodeKeyPair.seedByteCount
    /// The permissions a key file is created with.
    public static let fileMode = 0o600
    /// No valid key file comes close to this size; larger files are refused unread.
    static let maximumSize = 4096

    /// Writes `keyPair` to a new file at `path`.
    ///
    /// - Throws: ``CryptoError/keyFile(path:problem:)`` with
    ///   ``KeyFileProblem/alreadyExists``, ``KeyFileProblem/directoryMissing``,
    ///   ``KeyFileProblem/permissionDenied`` or ``KeyFileProblem/system(operation:message:)``.
    public static func write(_ keyPair: NodeKeyPair, to path: String) throws(CryptoError) {
        let text = header + "\n" + hex(keyPair.seed) + "\n"
        try PosixFile.createExclusive(path: path, contents: Array(text.utf8), mode: fileMode)
    }

    /// Reads the key pair stored at `path`.
    ///
    /// - Throws: ``CryptoError/keyFile(path:problem:)`` naming the cause:
    ///   missing file, permission denied, wrong header, bad hex, wrong length.
    public static func read(from path: String) throws(CryptoError) -> NodeKeyPair {
        let contents = try PosixFile.readAll(path: path, limit: maximumSize)
        let seed = try parse(contents, path: path)
        return try NodeKeyPair(seed: seed)
    }

    /// Parses key-file contents into a seed.
    static func parse(_ contents: [UInt8], path: String) throws(CryptoError) -> [UInt8] {
        let lines = contents
            .split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { line in line.last == UInt8(ascii: "\r") ? line.dropLast() : line }

        let first = lines.first ?? []
        guard first.elementsEqual(header.utf8) else {
            throw CryptoError.keyFile(path: path, problem: .wrongHeader(found: printableExcerpt(first)))
        }

        let seedLine = lines.count > 1 ? Array(lines[1]) : []
        var seed: [UInt8] = []
        seed.reserveCapacity(NodeKeyPair.seedByteCount)
        var high: UInt8?
        for (index, character) in seedLine.enumerated() {
            guard let nibble = hexValue(character) else {
                throw CryptoError.keyFile(path: path, problem: .badHex(column: index + 1))
            }
            if let pending = high {
                seed.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard seedLine.count == seedHexDigits else {
            throw CryptoError.keyFile(path: path, problem: .wrongSeedLength(hexDigits: seedLine.count))
        }

        if let extra = lines.dropFirst(2).firstIndex(where: { !$0.isEmpty }) {
            throw CryptoError.keyFile(path: path, problem: .unexpectedContent(line: extra + 1))
        }
        return seed
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }

    /// Up to 40 characters of `bytes`, with anything outside printable ASCII
    /// shown as `?`, so a binary file gives a readable message.
    private static func printableExcerpt<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        let limit = 40
        var text = String(decoding: bytes.prefix(limit).map { (0x20...0x7e).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
        if bytes.count > limit { text += "..." }
        return text
    }
}
