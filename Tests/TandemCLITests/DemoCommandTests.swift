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
        let demo = try await TandemExecutable.run(["demo", "--once", "--dir", folder])
        #expect(demo.status == 0, "stdout: \(demo.stdout)\nstderr: \(demo.stderr)")
        #expect(demo.stdout.contains("both sides agree: yes"))
        #expect(demo.stdout.contains("converged "))
        // Ada and Grace were on both sides: one row each, no duplicates.
        #expect(demo.stdout.contains("lost phone = \"+44 20 7946 0555\""), "\(demo.stdout)")
        #expect(FileManager.default.fileExists(atPath: folder + "/crm.db"))
        #expect(FileManager.default.fileExists(atPath: folder + "/helpdesk.toml"))
        // Run again in the same folder: an earlier demo is replaced.
        let again = try await TandemExecutable.run(["demo", "--once", "--dir", folder])
        #expect(again.status == 0, "stderr: \(again.stderr)")
    }

    @Test("demo refuses a folder that is not a demo's")
    func refusesForeignFolder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data("keep".utf8).write(to: URL(fileURLWithPath: directory.appending("notes.txt")))
        let demo = try await TandemExecutable.run(["demo", "--once", "--dir", directory.path])
        #expect(demo.status != 0)
        #expect(demo.stderr.contains("is not a demo folder"), "\(demo.stderr)")
    }

    @Test("demo --scenario proposal-project --once: the signed proposal wins its deal and creates one project; exits 0")
    func proposalProjectScenario() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.appending("demo")
        let demo = try await TandemExecutable.run(["demo", "--scenario", "proposal-project", "--once", "--dir", folder])
        #expect(demo.status == 0, "stdout: \(demo.stdout)\nstderr: \(demo.stderr)")
        #expect(demo.stdout.contains("deal won and one project with scope, budget and timeline: yes"), "\(demo.stdout)")
        #expect(demo.stdout.contains("Website relaunch | 48000 | 2027-01-10 to 2027-03-31 | P-100"), "\(demo.stdout)")
    }

    @Test("demo --scenario crm-support --once: one contact per email, the CRM's renewal date in the support tool; exits 0")
    func crmSupportScenario() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.appending("demo")
        let demo = try await TandemExecutable.run(["demo", "--scenario", "crm-support", "--once", "--dir", folder])
        #expect(demo.status == 0, "stdout: \(demo.stdout)\nstderr: \(demo.stderr)")
        #expect(demo.stdout.contains("renewal date equal in the CRM and the support tool, one contact per email: yes"), "\(demo.stdout)")
        #expect(demo.stdout.contains("the support tool's row shows it "), "\(demo.stdout)")
        #expect(FileManager.default.fileExists(atPath: folder + "/crm-contacts.toml"))
    }

    @Test("demo --scenario billing-crm --once: billing's correction in the CRM, the stale CRM edit refused and reported; exits 0")
    func billingCRMScenario() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.appending("demo")
        let demo = try await TandemExecutable.run(["demo", "--scenario", "billing-crm", "--once", "--dir", folder])
        #expect(demo.status == 0, "stdout: \(demo.stdout)\nstderr: \(demo.stderr)")
        #expect(demo.stdout.contains("billing's address everywhere, the CRM's stale edit refused and reported, one contact per email: yes"),
                "\(demo.stdout)")
        #expect(demo.stdout.contains("field street is owned by node"), "\(demo.stdout)")
    }
}
