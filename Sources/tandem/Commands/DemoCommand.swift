import ArgumentParser
import TandemCore
import TandemCrypto

/// `tandem demo`: three in-process replicas (a CRM, a helpdesk, billing) edit
/// the same customers while partitioned, then exchange signed deltas and
/// converge. Exits non-zero if they do not.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Show three replicas converging through concurrent edits, a delete and clock skew.",
        discussion: """
            Runs in one process with virtual time: the CRDT core, Ed25519 signatures and the \
            canonical encoding are the real ones; TCP transport and storage arrive with later work.
            """
    )

    func run() throws {
        var crm = try DemoNode(name: "crm", seedByte: 1)
        var helpdesk = try DemoNode(name: "helpdesk", seedByte: 2)
        var billing = try DemoNode(name: "billing", seedByte: 3)
        let t0: UInt64 = 1_764_000_000_000
        var log: [DemoSignedDelta] = []

        print("== 1. The CRM creates two customers and everyone receives them")
        log.append(try crm.write("cust-42", [("name", .string("Ada Lovelace")), ("phone", .string("+44 20 7946 0000")),
                                             ("email", .string("ada@example.com"))], at: t0))
        log.append(try crm.addTag("vip", to: "cust-42"))
        log.append(try crm.write("cust-7", [("name", .string("Grace Hopper")), ("plan", .string("starter"))], at: t0 + 1))
        try deliver(log, to: &helpdesk, at: t0 + 10)
        try deliver(log, to: &billing, at: t0 + 10)
        show(helpdesk)

        print("\n== 2. Partition: each system edits on its own")
        var partitioned: [DemoSignedDelta] = []
        partitioned.append(try helpdesk.write("cust-42", [("phone", .string("+44 20 7946 0101"))], at: t0 + 100))
        print("helpdesk sets cust-42.phone = +44 20 7946 0101")
        partitioned.append(try crm.write("cust-42", [("phone", .string("+44 20 7946 0199"))], at: t0 + 105))
        print("crm      sets cust-42.phone = +44 20 7946 0199 (5 ms later, concurrently)")
        partitioned.append(helpdesk.removeTag("vip", from: "cust-42"))
        print("helpdesk removes tag vip from cust-42")
        partitioned.append(try billing.addTag("vip", to: "cust-42"))
        print("billing  adds tag vip to cust-42 (concurrently)")
        partitioned.append(billing.delete("cust-7"))
        print("billing  deletes cust-7")
        partitioned.append(try crm.write("cust-7", [("plan", .string("enterprise"))], at: t0 + 120))
        print("crm      sets cust-7.plan = enterprise (concurrently with the delete)")

        print("\n== 3. Billing's clock runs 3 s fast; its write is held by the others until time catches up")
        billing.skewMillis = 3_000
        let skewed = try billing.write("cust-42", [("credit_limit", .int(5_000))], at: t0 + 200)

        print("\n== 4. Heal: every delta reaches every node, shuffled and duplicated; one tampered copy")
        var tampered = partitioned[0]
        tampered.bytes[tampered.bytes.count - 1] ^= 0x01
        var nodes = [crm, helpdesk, billing]
        for index in nodes.indices {
            let announce = index == 0
            do {
                _ = try nodes[index].receive(tampered, at: t0 + 300)
                throw ValidationError("a tampered delta was accepted by \(nodes[index].name)")
            } catch let rejection as DemoRejection {
                if announce { print("tampered delta refused: \(rejection)") }
            }
            let shuffled = (partitioned + partitioned.reversed() + [skewed, skewed]).filter { $0.origin != nodes[index].id }
            for delta in shuffled {
                if case .held(let drift) = try nodes[index].receive(delta, at: t0 + 300), announce {
                    print("crm holds billing's delta: \(drift.aheadMillis) ms ahead, bound \(drift.maxOffsetMillis) ms")
                }
            }
            let released = nodes[index].releaseHeld(at: t0 + 3_500)
            if released > 0 && announce { print("crm applied \(released) held delta(s) at t0+3.5 s") }
        }

        print("\n== 5. Every replica holds the same state")
        for node in nodes { show(node) }
        let encodings = Set(nodes.map { $0.replica.encoded() })
        guard encodings.count == 1, let bytes = encodings.first else {
            throw ValidationError("replicas did not converge")
        }
        print("\nconverged: yes (identical canonical bytes, \(bytes.count) bytes)")
    }

    private func deliver(_ deltas: [DemoSignedDelta], to node: inout DemoNode, at now: UInt64) throws {
        for delta in deltas { _ = try node.receive(delta, at: now) }
    }

    private func show(_ node: DemoNode) {
        print("[\(node.name)]")
        for id in node.replica.recordIDs {
            guard let record = node.replica.record(id) else { continue }
            let fields = record.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let tags = record.sets["tags"].map { " tags=\($0.map(\.description).joined(separator: ","))" } ?? ""
            print("  \(id): \(fields)\(tags)")
            for (field, losers) in record.conflicts.sorted(by: { $0.key < $1.key }) {
                for loser in losers { print("    conflict kept on \(field): \(loser.value) (lost to the later write)") }
            }
        }
    }
}
