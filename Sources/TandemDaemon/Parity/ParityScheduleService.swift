import Logging
import ServiceLifecycle

/// Runs the node's ``ParityCheck`` every `parity_interval_minutes` (the
/// first one interval after start), logging one line per adapter and per
/// peer: `info` when nothing was repaired, `warning` otherwise.
///
/// Guarantees: one check at a time; a failing check is logged and the
/// schedule goes on; graceful shutdown stops it between checks or cancels
/// the wait for the sweep in flight.
struct ParityScheduleService: Service, CustomStringConvertible {
    let check: ParityCheck
    let interval: Duration
    let logger: Logger

    var description: String { "parity-schedule" }

    func run() async throws {
        let check = self.check
        let interval = self.interval
        let logger = self.logger
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                do {
                    let run = try await check.run(adapter: nil)
                    for report in run.adapters {
                        let line = "scheduled parity check: " + report.line
                        if report.repairs > 0 || report.skipped != nil { logger.warning("\(line)") } else { logger.info("\(line)") }
                    }
                    for peer in run.peers {
                        let line = "scheduled parity check: " + peer.line
                        if peer.outcome == "in_sync" { logger.info("\(line)") } else { logger.warning("\(line)") }
                    }
                } catch {
                    logger.warning("scheduled parity check failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
