import Foundation
public import Logging
import Synchronization

/// A swift-log handler that writes each event as one JSON object on one
/// line (JSON Lines), for log shippers.
///
/// Guarantees: every line is a complete JSON object with `time` (ISO 8601,
/// UTC, milliseconds), `level`, `label` and `message`, plus the metadata as
/// string-valued keys (nested metadata is flattened to its description);
/// lines from concurrent loggers never interleave; keys are sorted, so equal
/// events give equal lines.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let label: String
    private let write: @Sendable (String) -> Void

    /// Writes to standard error.
    public init(label: String) {
        self.init(label: label, write: JSONLogHandler.standardError)
    }

    /// Writes each line (newline included) through `write`.
    public init(label: String, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = [:]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for (key, value) in merged { fields[key] = value.description }
        if let error = event.error { fields["error"] = "\(error)" }
        fields["time"] = Self.timestamp(Date())
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = event.message.description
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }

    private static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
            .timeSeparator(.colon).timeZone(separator: .omitted))
    }

    private static let lock = Mutex(())

    /// One `write` per line under a process-wide lock.
    private static let standardError: @Sendable (String) -> Void = { line in
        lock.withLock { _ in
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}
