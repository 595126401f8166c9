import Foundation
import Testing
import TandemCore
import TandemStore
#if canImport(Glibc)
import Glibc
#endif

/// A data directory the node cannot write is refused, naming it.
@Suite struct ReadOnlyDirectoryTests {
    @Test(.disabled(if: getuid() == 0, "root bypasses file permissions, so a read-only directory cannot be made here"))
    func aReadOnlyDataDirectoryIsRefused() throws {
        let directory = try TemporaryDirectory()
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
