import Foundation
import TandemTestSupport
import Testing

@Suite("tandem demo")
struct DemoCommandTests {
    @Test("demo converges: every replica shows the same records, the conflict and the held delta")
    func demoConverges() throws {
        let demo = try TandemExecutable.run(["demo"])
        #expect(demo.status == 0, "stderr: \(demo.stderr)")
        #expect(demo.stdout.contains("converged: yes"))
        #expect(demo.stdout.contains("tampered delta refused"))
        #expect(demo.stdout.contains("crm holds billing's delta"))
        // The concurrent write to cust-7 survives billing's delete, on all three replicas.
        #expect(demo.stdout.components(separatedBy: "cust-7: plan=\"enterprise\"").count - 1 == 3)
        // The helpdesk's losing phone number is kept as a conflict, not dropped.
        #expect(demo.stdout.contains("conflict kept on phone: \"+44 20 7946 0101\""))
    }
}
