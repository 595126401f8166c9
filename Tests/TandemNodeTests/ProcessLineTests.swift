import Foundation
import TandemTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Three nodes in a line, A – B – C, each its own `tandem-test-node`
/// process with its own SQLite store, over real loopback TCP.
@Suite("Three node processes in a line")
struct ProcessLineTests {
    /// Key bytes of the three nodes (`tandem-test-node` derives the keys).
    let a: UInt8 = 0xA1
    let b: UInt8 = 0xB0
    let c: UInt8 = 0xC0

    @Test("a write crosses the line with its origin's signature; B killed and restarted loses nothing")
    func line() async throws {
        let executable = try ExecutableLocator.locate("tandem-test-node", override: "TANDEM_TEST_NODE")
        let directory = try TemporaryDirectory("processes")
        defer { directory.remove() }

        // B only accepts; A and C dial B and know each other as members.
        var bob = try await NodeProcess(executable, directory.appending("b"), key: b, port: 0, members: [a, c])
        let port = bob.port
        let alice = try await NodeProcess(executable, directory.appending("a"), key: a, port: 0, peers: [(b, port)], members: [c])
        let carol = try await NodeProcess(executable, directory.appending("c"), key: c, port: 0, peers: [(b, port)], members: [a])
        defer {
            for node in [alice, bob, carol] { node.terminate() }
        }
        try await bob.waitFor("peers 2", within: 60) { try await bob.ask("peers") }

        // A's write reaches C through B, as A's batch 1 with A's signature.
        #expect(try await alice.ask("write ada name Ada") == "ok 1")
        try await carol.waitFor("value Ada", within: 60) { try await carol.ask("get ada name") }
        #expect(try await carol.ask("signed \(a) 1") == "valid")
        #expect(try await bob.ask("signed \(a) 1") == "valid")
        // C's write reaches A.
        #expect(try await carol.ask("write grace name Grace") == "ok 1")
        try await alice.waitFor("value Grace", within: 60) { try await alice.ask("get grace name") }

        // B dies (SIGKILL: no shutdown); A and C write while it is down.
        bob.kill()
        try await alice.waitFor("peers 0", within: 60) { try await alice.ask("peers") }
        try await carol.waitFor("peers 0", within: 60) { try await carol.ask("peers") }
        #expect(try await alice.ask("write ada tier gold") == "ok 2")
        #expect(try await alice.ask("write edsger name Edsger") == "ok 3")
        #expect(try await carol.ask("delete grace") == "ok 2")
        #expect(try await carol.ask("write barbara name Barbara") == "ok 3")

        // B restarts from its store on the same port: everything crosses.
        bob = try await NodeProcess(executable, directory.appending("b"), key: b, port: port, members: [a, c])
        try await carol.waitFor("value Edsger", within: 90) { try await carol.ask("get edsger name") }
        try await alice.waitFor("value Barbara", within: 90) { try await alice.ask("get barbara name") }
        let expected = try await alice.ask("state")
        #expect(expected.hasPrefix("state 3 "))  // ada, edsger, barbara
        try await bob.waitFor(expected, within: 90) { try await bob.ask("state") }
        try await carol.waitFor(expected, within: 90) { try await carol.ask("state") }
        #expect(try await alice.ask("get grace name") == "none")
        #expect(try await carol.ask("get ada tier") == "value gold")
        #expect(try await carol.ask("signed \(a) 3") == "valid")
        #expect(try await alice.ask("signed \(c) 3") == "valid")

        for node in [alice, bob, carol] { #expect(try await node.ask("quit") == "bye") }
    }
}

/// A running `tandem-test-node`: commands in on standard input, one reply
/// line each out on standard output.
final class NodeProcess {
    let process = Process()
    let input = Pipe()
    let reader: LineReader
    let errorPath: String
    /// The port it listens on.
    private(set) var port = 0
    /// Replies read so far (the first line is `port <n>`).
    private var consumed = 0

    init(
        _ executable: URL, _ directory: String, key: UInt8, port: Int,
        peers: [(key: UInt8, port: Int)] = [], members: [UInt8] = []
    ) async throws {
        var arguments = [directory, String(key), String(port)]
        for peer in peers { arguments += ["--peer", "\(peer.key):\(peer.port)"] }
        for member in members { arguments += ["--member", String(member)] }
        errorPath = directory + ".stderr"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let output = Pipe()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        reader = LineReader(output.fileHandleForReading)
        let first = try await nextLine(within: 60)
        let started = try #require(first.hasPrefix("port ") ? Int(first.dropFirst(5)) : nil, "node did not start: \(first)")
        self.port = started
    }

    /// What the node wrote to standard error.
    var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Sends one command and returns its reply.
    func ask(_ command: String) async throws -> String {
        input.fileHandleForWriting.write(Data((command + "\n").utf8))
        return try await nextLine(within: 60)
    }

    /// Asks `probe` until it answers `expected`, failing after `seconds`:
    /// a wait on a condition with a deadline, never a fixed sleep.
    func waitFor(_ expected: String, within seconds: Double, _ probe: () async throws -> String) async throws {
        let deadline = Date(timeIntervalSinceNow: seconds)
        var last = ""
        repeat {
            last = try await probe()
            if last == expected { return }
            // Between probes, wait for the node to print anything else
            // (nothing will come): a short bounded pause on its output.
            _ = await reader.wait(until: min(deadline, Date(timeIntervalSinceNow: 0.02))) { $0.count > consumed }
        } while Date() < deadline
        Issue.record("waited \(seconds) s for \"\(expected)\", last reply \"\(last)\"; stderr: \(errors)")
        throw WaitFailed()
    }

    struct WaitFailed: Error {}

    private func nextLine(within seconds: Double) async throws -> String {
        let seen = await reader.wait(until: Date(timeIntervalSinceNow: seconds)) { $0.count > consumed }
        guard seen.lines.count > consumed else {
            Issue.record("no reply within \(seconds) s (ended: \(seen.ended)); stderr: \(errors)")
            throw WaitFailed()
        }
        consumed += 1
        return seen.lines[consumed - 1]
    }

    /// Kills the process with SIGKILL and waits for it to exit.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Kills the process if it is still running.
    func terminate() {
        if process.isRunning { kill() }
    }
}
