#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations key files need, with errors mapped to
/// ``KeyFileProblem`` and tagged with the path.
///
/// Guarantees: ``createExclusive(path:contents:mode:)`` never replaces an
/// existing file or follows a symbolic link at `path`; the file has exactly
/// `mode` from the moment it holds any content, whatever the umask; and if
/// writing fails, the partly written file is removed.
enum PosixFile {
    /// Reads a whole regular file of at most `limit` bytes.
    static func readAll(path: String, limit: Int) throws(CryptoError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path, "open", errno) }
        defer { _ = close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(path, "stat", errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CryptoError.keyFile(path: path, problem: .system(operation: "read", message: "not a regular file"))
        }
        guard Int(info.st_size) <= limit else {
            throw CryptoError.keyFile(path: path, problem: .tooLarge(byteCount: Int(info.st_size)))
        }

        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: limit + 1)
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress, raw.count)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(path, "read", errno)
            }
            if count == 0 { break }
            contents.append(contentsOf: buffer[0..<count])
            guard contents.count <= limit else {
                throw CryptoError.keyFile(path: path, problem: .tooLarge(byteCount: contents.count))
            }
        }
        return contents
    }

    /// Creates a new file at `path` holding `contents`, with permissions `mode`.
    static func createExclusive(path: String, contents: [UInt8], mode: Int) throws(CryptoError) {
        let mode = mode_t(truncatingIfNeeded: mode)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure(path, "create", errno) }

        do throws(CryptoError) {
            // The umask may have cleared bits of `mode`; set it exactly.
            guard fchmod(fd, mode) == 0 else { throw failure(path, "chmod", errno) }
            var written = 0
            while written < contents.count {
                let count = contents.withUnsafeBytes { raw in
                    write(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw failure(path, "write", errno)
                }
                written += count
            }
            guard fsync(fd) == 0 else { throw failure(path, "fsync", errno) }
        } catch {
            _ = close(fd)
            _ = unlink(path)
            throw error
        }
        guard close(fd) == 0 else {
            let code = errno
            _ = unlink(path)
            throw failure(path, "close", code)
        }
    }

    /// Maps an `errno` from `operation` on `path` to a typed error.
    private static func failure(_ path: String, _ operation: String, _ code: Int32) -> CryptoError {
        let problem: KeyFileProblem
        switch code {
        case ENOENT:
            problem = operation == "create" ? .directoryMissing : .missing
        case EEXIST:
            problem = .alreadyExists
        case EACCES, EPERM:
            problem = .permissionDenied
        case ELOOP where operation == "create":
            // O_NOFOLLOW refused a symbolic link: something already exists there.
            problem = .alreadyExists
        default:
            problem = .system(operation: operation, message: String(cString: strerror(code)))
        }
        return CryptoError.keyFile(path: path, problem: problem)
    }
}
