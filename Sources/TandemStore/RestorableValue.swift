import Foundation
public import TandemCore

/// The losing value a `conflict` audit event keeps, in a form a program can
/// read back: `tandem restore` writes it as a new change.
///
/// A conflict event's `detail` stays human-readable text; since this was
/// added, it ends with ` restore=` and a one-line JSON object
/// `{"field":…,"type":…,"value":…}` (``suffix``). `type` is `null`, `bool`,
/// `int`, `double`, `string` or `bytes` (the value as hexadecimal text).
/// Events written before carry no such suffix, and ``parse(_:)`` returns nil
/// for them.
///
/// Guarantees: `parse(detail + suffix)` returns the same field and value,
/// whatever text `detail` holds (the last suffix that decodes wins).
public struct RestorableValue: Hashable, Sendable {
    /// The canonical field the losing write was for.
    public var field: String
    /// The losing value.
    public var value: Value

    public init(field: String, value: Value) {
        self.field = field
        self.value = value
    }

    /// What separates the readable detail from the JSON object.
    public static let marker = " restore="

    /// ` restore={"field":…}` to append to an event's detail.
    public var suffix: String {
        let coded: Coded = switch value {
        case .null: Coded(field: field, type: "null", value: nil)
        case .bool(let flag): Coded(field: field, type: "bool", value: .bool(flag))
        case .int(let number): Coded(field: field, type: "int", value: .int(number))
        case .double(let number): Coded(field: field, type: "double", value: .double(number))
        case .string(let text): Coded(field: field, type: "string", value: .string(text))
        case .bytes(let bytes): Coded(field: field, type: "bytes", value: .string(Hex.encode(bytes)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(coded) else { return "" }
        return Self.marker + String(decoding: data, as: UTF8.self)
    }

    /// The restorable value at the end of an event's `detail`, or nil if it
    /// has none (an event from before, or not a conflict).
    public static func parse(_ detail: String) -> RestorableValue? { split(detail).value }

    /// An event's detail cut into its readable text and its restorable
    /// value (the text is the whole detail when there is none).
    public static func split(_ detail: String) -> (text: String, value: RestorableValue?) {
        var search = detail.startIndex..<detail.endIndex
        var found: (text: String, value: RestorableValue?) = (detail, nil)
        while let range = detail.range(of: marker, range: search) {
            if let value = decode(String(detail[range.upperBound...])) { found = (String(detail[..<range.lowerBound]), value) }
            search = range.upperBound..<detail.endIndex
        }
        return found
    }

    private static func decode(_ json: String) -> RestorableValue? {
        guard let coded = try? JSONDecoder().decode(Coded.self, from: Data(json.utf8)) else { return nil }
        switch (coded.type, coded.value) {
        case ("null", nil): return RestorableValue(field: coded.field, value: .null)
        case ("bool", .bool(let flag)): return RestorableValue(field: coded.field, value: .bool(flag))
        case ("int", .int(let number)): return RestorableValue(field: coded.field, value: .int(number))
        case ("double", .double(let number)): return RestorableValue(field: coded.field, value: .double(number))
        case ("double", .int(let number)): return RestorableValue(field: coded.field, value: .double(Double(number)))
        case ("string", .string(let text)): return RestorableValue(field: coded.field, value: .string(text))
        case ("bytes", .string(let hex)):
            guard let bytes = hexBytes(hex) else { return nil }
            return RestorableValue(field: coded.field, value: .bytes(bytes))
        default: return nil
        }
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private struct Coded: Codable {
        var field: String
        var type: String
        var value: Scalar?
    }

    private enum Scalar: Codable {
        case bool(Bool)
        case int(Int64)
        case double(Double)
        case string(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                self = .bool(flag)
            } else if let number = try? container.decode(Int64.self) {
                self = .int(number)
            } else if let number = try? container.decode(Double.self) {
                self = .double(number)
            } else {
                self = .string(try container.decode(String.self))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .bool(let flag): try container.encode(flag)
            case .int(let number): try container.encode(number)
            case .double(let number): try container.encode(number)
            case .string(let text): try container.encode(text)
            }
        }
    }
}
