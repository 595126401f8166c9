public import TandemCore

/// Errors raised by the crypto layer. Each case says what failed and, for key
/// files, which file; none leaves a partly written key file behind.
public enum CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `sodium_init()` returned -1: libsodium cannot be used in this process.
    case sodiumInitFailed
    /// A libsodium function reported failure.
    case sodiumCallFailed(function: String)
    /// A key seed was not ``NodeKeyPair/seedByteCount`` bytes.
    case invalidSeedLength(byteCount: Int)
    /// The public key could not be turned into a node identity.
    case invalidPublicKey(CoreError)
    /// A key file could not be read or written.
    case keyFile(path: String, problem: KeyFileProblem)
    /// A key, header or other fixed-size input had the wrong number of bytes;
    /// `what` names the input (for example "secretstream key").
    case invalidLength(what: String, expected: Int, actual: Int)
    /// ``KeyExchange`` could not derive session keys: the peer's public key is
    /// not acceptable to crypto_kx (for example a low-order point).
    case keyExchangeFailed
    /// A ``SecretStream/PullState`` rejected a ciphertext: it was tampered
    /// with, truncated, reordered, replayed, or encrypted under another key.
    case decryptionFailed
    /// A ``SecretStream/PullState`` was asked to decrypt after the stream's
    /// final message.
    case streamFinished

    public var description: String {
        switch self {
        case .sodiumInitFailed:
            "libsodium failed to initialise (sodium_init returned -1)"
        case .sodiumCallFailed(let function):
            "libsodium call \(function) failed"
        case .invalidSeedLength(let count):
            "Ed25519 seed must be \(NodeKeyPair.seedByteCount) bytes, got \(count)"
        case .invalidPublicKey(let error):
            "public key is not a valid node id: \(error)"
        case .keyFile(let path, let problem):
            "key file \(path): \(problem)"
        case .invalidLength(let what, let expected, let actual):
            "\(what) must be \(expected) bytes, got \(actual)"
        case .keyExchangeFailed:
            "key exchange failed: the peer's ephemeral public key was rejected"
        case .decryptionFailed:
            "decryption failed: the ciphertext was tampered with, truncated, reordered or encrypted under another key"
        case .streamFinished:
            "the encrypted stream already received its final message"
        }
    }
}

/// What went wrong with one key file. Used inside ``CryptoError/keyFile(path:problem:)``,
/// which adds the file's path to the message.
public enum KeyFileProblem: Hashable, Sendable, CustomStringConvertible {
    /// Reading: there is no file at the path.
    case missing
    /// Writing: a file already exists at the path; it was left untouched.
    case alreadyExists
    /// Writing: the directory that should hold the file does not exist.
    case directoryMissing
    /// The process may not read (or create) the file.
    case permissionDenied
    /// The file is larger than any key file; it was not read.
    case tooLarge(byteCount: Int)
    /// The first line is not ``NodeKeyFile/header``; `found` is a short,
    /// printable excerpt of what is there instead.
    case wrongHeader(found: String)
    /// The seed line holds a character that is not a hexadecimal digit.
    case badHex(column: Int)
    /// The seed line holds the wrong number of hexadecimal digits.
    case wrongSeedLength(hexDigits: Int)
    /// There is content after the seed line.
    case unexpectedContent(line: Int)
    /// Any other operating-system error, with its `strerror` text.
    case system(operation: String, message: String)

    public var description: String {
        switch self {
        case .missing:
            "no such file"
        case .alreadyExists:
            "already exists; refusing to overwrite it"
        case .directoryMissing:
            "the directory does not exist"
        case .permissionDenied:
            "permission denied"
        case .tooLarge(let count):
            "is \(count) bytes, too large to be a key file"
        case .wrongHeader(let found):
            "first line must be \"\(NodeKeyFile.header)\", found \"\(found)\"; not a Tandem key file"
        case .badHex(let column):
            "line 2, column \(column): not a hexadecimal digit"
        case .wrongSeedLength(let digits):
            "line 2 must hold \(NodeKeyFile.seedHexDigits) hexadecimal digits, found \(digits); file truncated or damaged?"
        case .unexpectedContent(let line):
            "unexpected content on line \(line); a key file has exactly two lines"
        case .system(let operation, let message):
            "\(operation) failed: \(message)"
        }
    }
}
