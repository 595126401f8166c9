import Foundation
import TandemTestSupport
import Testing

@Suite("tandem demo")
struct DemoCommandTests {
    @Test("demo --once: two tandem run processes, both tables converge with the conflict's loser kept; exits 0")
    func demoConverges() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.appending("demo")
        let demo = try await TandemExecutable.runOffPool(["demo", "--once", "--dir", folder])
        #expect(demo.status == 0, "stdout: \(demo.stdout)\nstderr: \(demo.stderr)")
        #expect(demo.stdout.contains("both sides agree: yes"))
        #expect(demo.stdout.contains("converged "))
        // Ada and Grace were on both sides: one row each, no duplicates.
        #expect(demo.stdout.contains("lost phone = \"+44 20 7946 0555\""), "\(demo.stdout)")
        #expect(FileManager.default.fileExists(atPath: folder + "/crm.db"))
        #expect(FileManager.default.fileExists(atPath: folder + "/helpdesk.toml"))
        // Run again in the same folder: an earlier demo is replaced.
        let again = try await TandemExecutable.runOffPool(["demo", "--once", "--dir", folder])
        #expect(again.status == 0, "stderr: \(again.stderr)")
    }

    @Test("demo refuses a folder that is not a demo's")
    func refusesForeignFolder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data("keep".utf8).write(to: URL(fileURLWithPath: directory.appending("notes.txt")))
        let demo = try await TandemExecutable.runOffPool(["demo", "--once", "--dir", directory.path])
        #expect(demo.status != 0)
        #expect(demo.stderr.contains("is not a demo folder"), "\(demo.stderr)")
    }
}
