public import Logging

/// How `tandem run` writes its log: one line per event on standard error,
/// either readable text or one JSON object per line.
public enum LogFormat: String, Hashable, Sendable, CaseIterable {
    /// `2026-12-05T02:24:15+0000 info tandem : peer=helpdesk peer connected`
    /// (swift-log's `StreamLogHandler`).
    case text
    /// `{"level":"info","message":"peer connected","peer":"helpdesk","time":"…"}`
    /// (``JSONLogHandler``).
    case json

    /// A logger labelled `label` writing to standard error in this format,
    /// at `level` and above.
    public func makeLogger(label: String = "tandem", level: Logger.Level = .info) -> Logger {
        var logger = switch self {
        case .text: Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        case .json: Logger(label: label) { JSONLogHandler(label: $0) }
        }
        logger.logLevel = level
        return logger
    }
}
