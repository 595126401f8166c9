import ArgumentParser
import Foundation
import TandemCrypto
import TandemDaemon

/// `tandem audit --config FILE [--record ID] [--since ISO8601] [--json]`:
/// the node's sync events, newest last (`AuditLog`).
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print the node's audit log of sync events, newest last.",
        discussion: "Reads the store in data_dir; works whether or not the node is running."
    )

    @OptionGroup var options: ConfigOption

    @Option(name: .long, help: "Only events about this record id.")
    var record: String?

    @Option(name: .long, help: "Only events at or after this time (ISO 8601, such as 2026-12-05T10:00:00Z or 2026-12-05).")
    var since: String?

    @Flag(name: .long, help: "Print the events as a JSON array.")
    var json = false

    func run() throws {
        let file = try options.load()
        var sinceDate: Date?
        if let since {
            guard let date = Self.parseDate(since) else {
                throw CommandFailure("--since \(since): expected an ISO 8601 time, such as 2026-12-05T10:00:00Z or 2026-12-05")
            }
            sinceDate = date
        }
        let records = try AuditLog.read(file, query: AuditLog.Query(record: record, since: sinceDate))
        let own = try? NodeDaemon.readKey(file).nodeID
        let names = AuditLog.names(file, own: own)
        print(json ? try AuditLog.renderJSON(records, names: names) : AuditLog.renderText(records, names: names), terminator: "")
    }

    /// A full ISO 8601 time (with or without fractional seconds), or a date (midnight UTC).
    static func parseDate(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day())
    }
}
