import TandemCore
import TandemStore
import TandemSync
import Testing
import TandemTestSupport

/// The driver's local writes look records up by their NFC spelling, the
/// one the core and the stores hold (`Identifier`): the SQLite store
/// compares ids by bytes, so a change naming a record in another spelling
/// used to load nothing and, say, delete nothing.
@Suite(.ownThread) struct IdentifierSpellingTests {
    @Test(arguments: Backend.allCases)
    func aChangeNamingARecordInAnotherSpellingReachesIt(backend: Backend) throws {
        let a = TestNetwork.node(1)
        let directory = backend == .sqlite ? try TemporaryDirectory("sync-tests") : nil
        defer { directory?.remove() }
        var network = try TestNetwork(nodes: [a], sqliteDirectory: directory?.path)
        try network.write(a, record: "\u{E9}", field: "name", value: .string("first"))
        try network.write(a, record: "e\u{301}", field: "name", value: .string("second"))
        let written = try network.state(a)
        #expect(written.count == 1)
        #expect(written.value(of: "name", in: "\u{E9}") == .string("second"))
        #expect(written.record("\u{E9}")?.conflicts.isEmpty == true, "the second write did not overwrite the first")
        try network.delete(a, record: "e\u{301}")
        #expect(try network.state(a).count == 0)
    }
}
