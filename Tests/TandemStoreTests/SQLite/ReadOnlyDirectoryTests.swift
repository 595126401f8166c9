import Foundation
import TandemTestSupport
import Testing
import TandemCore
import TandemStore
#if canImport(Glibc)
import Glibc
#endif

/// A data directory the node cannot write is refused, naming it.
@Suite(.ownThread) struct ReadOnlyDirectoryTests {
    @Test(.disabled(if: getuid() == 0, "root bypasses file permissions, so a read-only directory cannot be made here"))
    func aReadOnlyDataDirectoryIsRefused() throws {
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        try RefusalTests.makeStore(directory)
        let path = directory.appending(SQLiteStore.fileName)
        let bytes = try fileBytes(path)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path) }

        let error = try RefusalTests.refusal(directory)
        guard case .readOnly(let named, _) = error else {
            Issue.record("expected readOnly, got \(error)")
            return
        }
        #expect(named == directory.path)
        #expect(error.description.contains(directory.path))
        #expect(try fileBytes(path) == bytes)
    }
}

/// The same refusal when the suite runs as root (as CI does): the store is
/// opened by a real unprivileged process (`tandem-crash-writer`, started
/// through `setpriv` as user nobody), for which the directory is read-only.
@Suite(.ownThread) struct ReadOnlyDirectoryAsUnprivilegedProcessTests {
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "needs root to drop privileges with setpriv"))
    func aReadOnlyDataDirectoryIsRefusedToAnUnprivilegedNode() async throws {
        let executable = try ExecutableLocator.locate("tandem-crash-writer", override: "TANDEM_CRASH_WRITER")
        let directory = try TemporaryDirectory("store-tests")
        defer { directory.remove() }
        try RefusalTests.makeStore(directory)
        let path = directory.appending(SQLiteStore.fileName)
        let bytes = try fileBytes(path)
        // Readable and searchable by everyone, writable by no one but root.
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path) }

        let run = try await Subprocess.run(
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=65534", "--regid=65534", "--clear-groups", executable.path, directory.path, "1", "1"])
        let message = run.stderr

        #expect(run.status == 1, "stderr: \(message)")
        #expect(message.contains("cannot be written"), "stderr: \(message)")
        #expect(message.contains(directory.path), "stderr: \(message)")
        #expect(try fileBytes(path) == bytes)
    }
}
