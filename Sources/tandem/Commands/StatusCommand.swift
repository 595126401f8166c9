import ArgumentParser
import Foundation
import TandemDaemon

/// `tandem status --config FILE [--json]`: asks the running node's admin
/// endpoint for its state and prints it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a running node's peers, collections and health figures.",
        discussion: "Asks the admin endpoint (node.admin in the configuration) of the running node."
    )

    @OptionGroup var options: ConfigOption

    @Flag(name: .long, help: "Print the status as JSON.")
    var json = false

    func run() async throws {
        let file = try options.load()
        let address = file.node.admin
        let response = try await AdminClient.get("/status", from: address, timeoutSeconds: 30)
        guard response.status == 200 else {
            let body = String(decoding: response.body, as: UTF8.self)
            throw DaemonError.adminAnswer(address: address.description, detail: "HTTP \(response.status) \(body)")
        }
        let report: StatusReport
        do {
            report = try StatusReport.decode(Data(response.body))
        } catch {
            throw DaemonError.adminAnswer(address: address.description, detail: "not a Tandem status report (\(error))")
        }
        if json {
            print(String(decoding: try report.encode(), as: UTF8.self))
        } else {
            print(StatusTable.render(report), terminator: "")
        }
    }
}
