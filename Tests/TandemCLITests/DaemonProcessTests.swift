import Foundation
import TandemDaemon
import TandemTestSupport
import Testing

/// `tandem run`, `status` and `audit` as real processes on loopback.
@Suite("tandem run, status and audit", .serialized)
struct DaemonProcessTests {
    @Test("two nodes connect, report each other in status and metrics, and stop cleanly on SIGTERM")
    func pair() async throws {
        let crm = try await DaemonNode(name: "crm")
        let helpdesk = try await DaemonNode(name: "helpdesk")
        defer {
            crm.cleanUp()
            helpdesk.cleanUp()
        }
        try crm.configure(peers: [helpdesk])
        try helpdesk.configure(peers: [crm])
        try crm.start()
        try helpdesk.start(arguments: ["--log-format", "json"])

        let crmReport = try await #require(try crm.waitForStatus { report in
            report.peers.first { $0.name == "helpdesk" }?.connected == true
        }, "crm never saw helpdesk connected")
        let helpdeskReport = try await #require(try helpdesk.waitForStatus { report in
            report.peers.first { $0.name == "crm" }?.connected == true
        }, "helpdesk never saw crm connected")
        #expect(crmReport.node.name == "crm")
        #expect(crmReport.node.id == crm.nodeID)
        #expect(crmReport.node.publicKey == crm.nodeID)
        #expect(crmReport.node.listen == "127.0.0.1:\(crm.listenPort)")
        #expect(crmReport.peers.first?.id == helpdesk.nodeID)
        #expect(crmReport.peers.first?.lastContact != nil)
        #expect(crmReport.collections.map(\.name) == ["contacts"])
        #expect(helpdeskReport.node.admin == "127.0.0.1:\(helpdesk.adminPort)")

        let table = try await TandemExecutable.run(["status", "--config", crm.configPath])
        #expect(table.status == 0, "stderr: \(table.stderr)")
        #expect(table.stdout.contains("node crm"))
        #expect(table.stdout.contains("helpdesk  yes"))

        let metrics = try await AdminClient.get("/metrics", from: HostPort(host: "127.0.0.1", port: crm.adminPort), timeoutSeconds: 120)
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(metrics.status == 200)
        #expect(text.contains("# TYPE tandem_peers_connected gauge"))
        #expect(text.contains("tandem_peers_connected 1"))
        #expect(text.contains("tandem_peer_connected{peer=\"helpdesk\"} 1"))
        #expect(text.contains("# TYPE tandem_bytes_sent_total counter"))
        #expect(text.contains("tandem_peer_backlog_batches{peer=\"helpdesk\"} 0"))

        // Every line of the JSON log is one JSON object.
        #expect(await helpdesk.waitForLog("\"message\":\"node helpdesk running\""))

        let crmExit = try #require(await crm.terminate(), "crm did not exit after SIGTERM")
        #expect(crmExit.status == 0, "crm log: \(crmExit.lines)")
        #expect(crmExit.lines.contains { $0.contains("peer connected") && $0.contains("peer=helpdesk") })
        #expect(crmExit.lines.last?.contains("stopped") == true, "crm log: \(crmExit.lines)")
        #expect(await helpdesk.waitForLog("\"message\":\"peer disconnected\""), "helpdesk did not log crm leaving")

        let helpdeskExit = try #require(await helpdesk.terminate(), "helpdesk did not exit after SIGTERM")
        #expect(helpdeskExit.status == 0)
        for line in helpdeskExit.lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["message"] != nil, "not a JSON log line: \(line)")
        }

        let audit = try await TandemExecutable.run(["audit", "--config", crm.configPath, "--json"])
        #expect(audit.status == 0, "stderr: \(audit.stderr)")
        #expect((try? JSONSerialization.jsonObject(with: Data(audit.stdout.utf8))) is [Any])
    }

    @Test("a node refuses an unlisted key: logged, counted in metrics and audited")
    func refusal() async throws {
        let crm = try await DaemonNode(name: "crm")
        let intruder = try await DaemonNode(name: "intruder")
        defer {
            crm.cleanUp()
            intruder.cleanUp()
        }
        try crm.configure(peers: [])
        try intruder.configure(peers: [crm])
        try crm.start()
        #expect(await crm.waitForLog("node crm running"), "crm did not start")
        let started = Date()
        try intruder.start()

        #expect(await crm.waitForLog("connection refused"), "crm did not log the refusal")
        #expect(await crm.waitForLog("reason=unknownPeer"))
        let metrics = try await AdminClient.get("/metrics", from: HostPort(host: "127.0.0.1", port: crm.adminPort), timeoutSeconds: 120)
        #expect(String(decoding: metrics.body, as: UTF8.self).contains("tandem_rejected_messages_total{reason=\"transport_unknownPeer\"}"))

        // The first refusal of a peer and reason is audited at once; the
        // audit command reads the store beside the running node.
        let deadline = Date().addingTimeInterval(60)
        var audit = try await TandemExecutable.run(["audit", "--config", crm.configPath])
        while !audit.stdout.contains("transport_unknownPeer") && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))  // polling interval, not synchronisation
            audit = try await TandemExecutable.run(["audit", "--config", crm.configPath])
        }
        #expect(audit.status == 0, "stderr: \(audit.stderr)")
        #expect(audit.stdout.contains("rejected"), "audit: \(audit.stdout)")
        #expect(audit.stdout.contains("transport_unknownPeer"), "audit: \(audit.stdout)")

        let since = ISO8601DateFormatter().string(from: started.addingTimeInterval(-60))
        let json = try await TandemExecutable.run(["audit", "--config", crm.configPath, "--since", since, "--json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(events.contains { ($0["kind"] as? String) == "rejected" && ($0["node"] as? String) == intruder.nodeID })
        let future = try await TandemExecutable.run(["audit", "--config", crm.configPath, "--since", "2999-01-01", "--json"])
        #expect(future.status == 0)
        #expect((try JSONSerialization.jsonObject(with: Data(future.stdout.utf8)) as? [Any])?.isEmpty == true)
        let byRecord = try await TandemExecutable.run(["audit", "--config", crm.configPath, "--record", "no-such-record"])
        #expect(byRecord.status == 0 && byRecord.stdout.isEmpty)

        #expect(await intruder.terminate()?.status == 0)
        #expect(await crm.terminate()?.status == 0)
    }

    @Test("status without a running node fails with one line")
    func statusWithoutNode() async throws {
        let node = try await DaemonNode(name: "alone")
        defer { node.cleanUp() }
        try node.configure(peers: [])
        let result = try await TandemExecutable.run(["status", "--config", node.configPath])
        #expect(result.status != 0)
        #expect(result.stderr == "Error: no running node answers at 127.0.0.1:\(node.adminPort) (node.admin): connection refused (is `tandem run` running?)\n")
    }

    @Test("an occupied peer or admin port stops start-up with the reason as the last line")
    func occupiedPort() async throws {
        let node = try await DaemonNode(name: "alone")
        defer { node.cleanUp() }
        let holder = try LoopbackSocket()
        defer { holder.close() }
        try node.configure(peers: [])
        var config = try String(contentsOfFile: node.configPath, encoding: .utf8)
        config = config.replacingOccurrences(of: "listen = \"127.0.0.1:\(node.listenPort)\"", with: "listen = \"127.0.0.1:\(holder.port)\"")
        try Data(config.utf8).write(to: URL(fileURLWithPath: node.configPath))
        let result = try await TandemExecutable.run(["run", "--config", node.configPath])
        #expect(result.status != 0)
        #expect(result.stderr == "Error: cannot listen for peers on 127.0.0.1:\(holder.port) (node.listen): address already in use\n")

        // The admin port: the node had started, so it shuts down again and
        // the reason is the last line.
        try node.configure(peers: [])
        config = try String(contentsOfFile: node.configPath, encoding: .utf8)
        config = config.replacingOccurrences(of: "admin = \"127.0.0.1:\(node.adminPort)\"", with: "admin = \"127.0.0.1:\(holder.port)\"")
        try Data(config.utf8).write(to: URL(fileURLWithPath: node.configPath))
        let admin = try await TandemExecutable.run(["run", "--config", node.configPath])
        #expect(admin.status != 0)
        #expect(admin.stderr.hasSuffix("\nError: cannot listen for admin requests on 127.0.0.1:\(holder.port) (node.admin): address already in use\n"), "stderr: \(admin.stderr)")
    }

    @Test("bad configurations exit non-zero with the one-line reason", arguments: [
        ("max_clock_drift_ms = \"soon\"", "node.toml:7: node.max_clock_drift_ms: expected an integer, got a string"),
        ("colour = \"red\"", "node.toml:7: node.colour: unknown key; expected one of: name, data_dir, key_file, listen, admin, max_clock_drift_ms, parity_interval_minutes, audit_retention_days, store"),
    ])
    func badConfiguration(line: String, reason: String) async throws {
        let node = try await DaemonNode(name: "alone")
        defer { node.cleanUp() }
        try node.configure(peers: [])
        var config = try String(contentsOfFile: node.configPath, encoding: .utf8)
        config = config.replacingOccurrences(of: "\n\n[[collection]]", with: "\n\(line)\n\n[[collection]]")
        try Data(config.utf8).write(to: URL(fileURLWithPath: node.configPath))
        let result = try await TandemExecutable.run(["run", "--config", node.configPath])
        #expect(result.status != 0)
        #expect(result.stderr == "Error: \(node.configPath):\(reason.dropFirst("node.toml:".count))\n")
    }

    @Test("a key file others can read, a missing one and a data directory that is a file are refused")
    func badFiles() async throws {
        let node = try await DaemonNode(name: "alone")
        defer { node.cleanUp() }
        try node.configure(peers: [])
        let key = node.directory.appending("node.key")

        #expect(chmod(key, 0o640) == 0)
        var result = try await TandemExecutable.run(["run", "--config", node.configPath])
        #expect(result.status != 0)
        #expect(result.stderr == "Error: \(node.configPath):4: node.key_file: the key file \(key) has mode 640; expected 600, readable by its owner only (chmod 600 \(key))\n")
        #expect(chmod(key, 0o600) == 0)

        try FileManager.default.moveItem(atPath: key, toPath: key + ".moved")
        result = try await TandemExecutable.run(["run", "--config", node.configPath])
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("Error: \(node.configPath):4: node.key_file: the key file \(key) does not exist"))
        try FileManager.default.moveItem(atPath: key + ".moved", toPath: key)

        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: node.directory.appending("data")))
        result = try await TandemExecutable.run(["run", "--config", node.configPath])
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("Error: cannot open the node's store in \(node.directory.appending("data")): "))
        #expect(result.stderr.filter { $0 == "\n" }.count == 1, "stderr: \(result.stderr)")
    }
}
