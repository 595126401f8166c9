import Foundation
public import TandemAdapterCore

/// Reads and writes the API's JSON objects as the adapter core's rows
/// (pure): a field's value at its path becomes that column's
/// `ExternalValue`; a row's columns become a request body with each value
/// at its path, inside the envelope.
public struct HTTPObjectCodec: Sendable {
    public let connector: HTTPConnector

    public init(connector: HTTPConnector) { self.connector = connector }

    /// What one object is, as the driver tracks it.
    public struct Decoded: Hashable, Sendable {
        public var key: String
        public var columns: [String: ExternalValue]
        public var modifiedMillis: Int64
        /// The version field's value (`Concurrency.version`), if any.
        public var version: JSONValue?
    }

    /// The object unwrapped from a single-object answer (`{"user": {...}}`).
    public func unwrap(_ answer: JSONValue, source: String) throws(HTTPAdapterError) -> JSONValue {
        guard let envelope = connector.envelope else { return answer }
        guard let object = answer[path: envelope] else { throw .missing(source: source, path: envelope.description) }
        return object
    }

    /// `object` as a row with its key, modification time and version.
    public func decode(_ object: JSONValue, source: String) throws(HTTPAdapterError) -> Decoded {
        guard let id = object[path: connector.idPath], let key = id.text, !key.isEmpty else {
            throw .missing(source: source, path: connector.idPath.description)
        }
        guard let modified = object[path: connector.modifiedPath] else {
            throw .missing(source: source, path: connector.modifiedPath.description)
        }
        guard let millis = Self.millis(modified, format: connector.modifiedFormat) else {
            throw .badValue(source: source, path: connector.modifiedPath.description,
                            reason: "expected a time (\(connector.modifiedFormat.rawValue)), got \(modified)")
        }
        var columns: [String: ExternalValue] = [:]
        for (name, field) in connector.fields {
            columns[name] = Self.external(object[path: field.path] ?? .null)
        }
        var version: JSONValue?
        if case .version(let path) = connector.concurrency { version = object[path: path] }
        return Decoded(key: key, columns: columns, modifiedMillis: millis, version: version)
    }

    /// A request body setting `columns` (each at its field's path), with
    /// `version` at the version path when given, inside the envelope.
    public func body(_ columns: [String: ExternalValue], version: JSONValue? = nil) -> JSONValue {
        var object = JSONValue.object([:])
        for (name, value) in columns.sorted(by: { $0.key < $1.key }) {
            guard let field = connector.fields[name] else { continue }
            object.set(Self.json(value), at: field.path)
        }
        if let version, case .version(let path) = connector.concurrency { object.set(version, at: path) }
        guard let envelope = connector.envelope else { return object }
        var wrapped = JSONValue.object([:])
        wrapped.set(object, at: envelope)
        return wrapped
    }

    /// A JSON value as the adapter core's external value; an object is
    /// kept as its JSON text (it cannot be a column value otherwise).
    public static func external(_ json: JSONValue) -> ExternalValue {
        switch json {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .int(let number): .int(number)
        case .double(let number): .double(number)
        case .string(let text): .text(text)
        case .array(let elements): .array(elements.map(external))
        case .object: .text(json.description)
        }
    }

    public static func json(_ value: ExternalValue) -> JSONValue {
        switch value {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .int(let number): .int(number)
        case .double(let number): .double(number)
        case .text(let text): .string(text)
        case .array(let elements): .array(elements.map(json))
        }
    }

    /// A time in `format` as milliseconds since the epoch.
    public static func millis(_ value: JSONValue, format: HTTPConnector.TimeFormat) -> Int64? {
        switch (format, value) {
        case (.iso8601, .string(let text)): return CanonicalTime.millis(text)
        case (.millis, .int(let number)): return number
        case (.millis, .double(let number)): return Int64(exactly: number.rounded())
        case (.millis, .string(let text)): return Int64(text)
        case (.seconds, .int(let number)): return number.multipliedReportingOverflow(by: 1000).overflow ? nil : number * 1000
        case (.seconds, .double(let number)): return number.isFinite && abs(number) < 1e15 ? Int64(number * 1000) : nil
        case (.seconds, .string(let text)): return Int64(text).flatMap { millis(.int($0), format: .seconds) }
        default: return nil
        }
    }

    /// Milliseconds as a query value in `format`.
    public static func text(millis: Int64, format: HTTPConnector.TimeFormat) -> String {
        switch format {
        case .iso8601: CanonicalTime.format(millis: millis)
        case .millis: String(millis)
        case .seconds: String(millis / 1000)
        }
    }
}
