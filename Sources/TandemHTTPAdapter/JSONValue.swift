public import Foundation

/// A JSON document as a value: what an API answers and what the HTTP
/// driver sends. `Sendable` and `Hashable`, unlike `JSONSerialization`'s
/// `Any`, and parsed without trapping on any input.
///
/// Numbers keep whether they were integers: an integer that fits `Int64`
/// is `.int`, anything else `.double`.
public enum JSONValue: Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `data`; throws `HTTPAdapterError.badJSON` saying where it came from.
    public static func parse(_ data: Data, from source: @autoclosure () -> String) throws(HTTPAdapterError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw .badJSON(source: source(), reason: "\(error)")
        }
    }

    /// The document as compact JSON bytes, keys sorted.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }

    public var description: String { String(decoding: encoded(), as: UTF8.self) }

    /// The value at a dotted path (`properties.renewal_date`; a numeric
    /// part indexes an array), or nil when any part is missing.
    public subscript(path path: JSONPath) -> JSONValue? {
        var current = self
        for part in path.parts {
            switch current {
            case .object(let members):
                guard let next = members[part] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(part), elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// The member `name` of an object, or nil.
    public subscript(_ name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[name]
    }

    /// Sets the value at `path`, making objects on the way.
    public mutating func set(_ value: JSONValue, at path: JSONPath) {
        guard let first = path.parts.first else {
            self = value
            return
        }
        var members: [String: JSONValue] = [:]
        if case .object(let existing) = self { members = existing }
        var child = members[first] ?? .null
        child.set(value, at: JSONPath(parts: Array(path.parts.dropFirst())))
        members[first] = child
        self = .object(members)
    }

    /// The text of a string, or the decimal text of a number.
    public var text: String? {
        switch self {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        default: nil
        }
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Int64.self) {
            self = .int(number)
        } else if let number = try? container.decode(Double.self) {
            self = .double(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let elements = try? container.decode([JSONValue].self) {
            self = .array(elements)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .int(let number): try container.encode(number)
        case .double(let number): try container.encode(number)
        case .string(let text): try container.encode(text)
        case .array(let elements): try container.encode(elements)
        case .object(let members): try container.encode(members)
        }
    }
}

/// A dotted path into a JSON document: `properties.renewal_date`,
/// `user.id`, `results`. Empty parts are refused when parsing.
public struct JSONPath: Hashable, Sendable, CustomStringConvertible {
    public var parts: [String]

    public init(parts: [String]) { self.parts = parts }

    /// Parses `text`; nil when it is empty or has an empty part (`a..b`).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !text.isEmpty, !parts.contains(where: \.isEmpty) else { return nil }
        self.parts = parts
    }

    public var description: String { parts.joined(separator: ".") }
}
