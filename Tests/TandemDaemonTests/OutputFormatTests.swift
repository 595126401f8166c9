import Foundation
import Logging
import Synchronization
@testable import TandemDaemon
import Testing

@Suite("log lines, status report and metrics")
struct OutputFormatTests {
    @Test("the JSON log handler writes one sorted JSON object per line, metadata included")
    func jsonLines() throws {
        let written = Mutex<[String]>([])
        let logger = Logger(label: "tandem") { label in
            JSONLogHandler(label: label) { line in written.withLock { $0.append(line) } }
        }
        logger.info("peer connected", metadata: ["peer": "helpdesk"])
        logger.warning("refused \"quoted\"\nsecond line")
        let lines = written.withLock { $0 }
        #expect(lines.count == 2)
        for line in lines {
            #expect(line.hasSuffix("}\n"))
            #expect(line.dropLast().contains("\n") == false)
        }
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: String])
        #expect(first["message"] == "peer connected")
        #expect(first["peer"] == "helpdesk")
        #expect(first["level"] == "info")
        #expect(first["label"] == "tandem")
        #expect(first["time"]?.hasSuffix("Z") == true)
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: String])
        #expect(second["message"] == "refused \"quoted\"\nsecond line")
    }

    @Test("a status report survives JSON and renders every figure")
    func statusRoundTrip() throws {
        let report = StatusReport(
            node: .init(name: "crm", id: "ab", publicKey: "ab", listen: "127.0.0.1:1", admin: "127.0.0.1:2",
                        startedAt: "2026-12-05T00:00:00Z", uptimeSeconds: 5),
            peers: [.init(name: "helpdesk", id: "cd", address: "127.0.0.1:3", connected: true,
                          connectedSince: "2026-12-05T00:00:01Z", lastContact: "2026-12-05T00:00:04Z", deltasBehind: 7,
                          catchUp: .init(receivedRecords: 250, remainingRecords: 750, receivedBytes: 4096, elapsedSeconds: 2,
                                         recordsPerSecond: 125, secondsLeft: 6, finished: false,
                                         summary: "250 of 1000 records (25%), 0.0 MiB, 125 records/s, about 6 s left"))],
            collections: [.init(name: "contacts", records: 12, stateDigest: "00000000000000ff")],
            health: .init(deltasReceived: 1, deltasLocal: 2, messagesSent: 3, messagesReceived: 4, bytesSent: 5,
                          bytesReceived: 6, rejectedMessages: 8, syncErrors: 9, conflicts: nil, parityRatio: nil))
        let json = try report.encode()
        #expect(try StatusReport.decode(json) == report)
        #expect(String(decoding: json, as: UTF8.self).contains("\"deltas_behind\" : 7"))
        let table = StatusTable.render(report)
        #expect(String(decoding: json, as: UTF8.self).contains("\"remaining_records\" : 750"))
        for text in ["node crm", "helpdesk", "yes", "7", "contacts", "00000000000000ff", "rejected messages", "8",
                     "helpdesk catching up: 250 of 1000 records (25%), 0.0 MiB, 125 records/s, about 6 s left"] {
            #expect(table.contains(text), "\(text) missing from\n\(table)")
        }
    }

    @Test("adapter metrics appear in the Prometheus text")
    func adapterMetrics() {
        let metrics = DaemonMetrics()
        metrics.countConflict(collection: "contacts", field: "email")
        metrics.countConflict(collection: "contacts", field: "email")
        metrics.setParity(collection: "contacts", adapter: "contacts/sqlite/customers", ratio: 0.5)
        metrics.recordSyncLatency(collection: "contacts", .milliseconds(20))
        let text = metrics.render()
        #expect(text.contains("tandem_conflicts_total{collection=\"contacts\",field=\"email\"} 2"))
        #expect(text.contains("tandem_record_parity_ratio{collection=\"contacts\",adapter=\"contacts/sqlite/customers\"} 0.5"))
        #expect(text.contains("tandem_sync_latency_seconds_count{collection=\"contacts\"} 1"))
        #expect(text.contains("# HELP tandem_conflicts_total"))
        #expect(metrics.adapterFigures.conflicts == 2)
        #expect(metrics.adapterFigures.parity == 0.5)
    }
}
