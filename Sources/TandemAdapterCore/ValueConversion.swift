import TandemCore

/// Why a value could not be converted between a column and a field.
public struct ConversionError: Error, Hashable, Sendable, CustomStringConvertible {
    public var column: String
    public var type: ColumnType
    public var value: String

    public var description: String { "value \(value) does not fit column \(column) (\(type))" }
}

/// Conversions between external column values and CRDT values, by column
/// type. Both directions produce canonical forms (a timestamp is always
/// `YYYY-MM-DDTHH:MM:SS.sssZ`, a boolean stored as 0/1 is a `Bool`), so the
/// same fact read from two systems is the same `Value`.
public enum ValueConversion {
    /// The CRDT value of an external LWW column value.
    public static func value(_ external: ExternalValue, column: String, type: ColumnType) throws(ConversionError) -> Value {
        let failure = ConversionError(column: column, type: type, value: external.description)
        if case .null = external { return .null }
        switch (type, external) {
        case (.text, .text(let text)): return .string(text)
        case (.text, .int(let number)): return .string(String(number))
        case (.text, .double(let number)): return .string(String(number))
        case (.text, .bool(let flag)): return .string(flag ? "true" : "false")
        case (.integer, .int(let number)): return .int(number)
        case (.integer, .bool(let flag)): return .int(flag ? 1 : 0)
        case (.integer, .double(let number)):
            guard let exact = Int64(exactly: number) else { throw failure }
            return .int(exact)
        case (.integer, .text(let text)):
            guard let number = Int64(text.trimmed) else { throw failure }
            return .int(number)
        case (.real, .double(let number)) where !number.isNaN: return .double(number)
        case (.real, .int(let number)): return .double(Double(number))
        case (.real, .text(let text)):
            guard let number = Double(text.trimmed), !number.isNaN else { throw failure }
            return .double(number)
        case (.boolean, .bool(let flag)): return .bool(flag)
        case (.boolean, .int(let number)) where number == 0 || number == 1: return .bool(number == 1)
        case (.boolean, .text(let text)):
            switch text.trimmed.lowercased() {
            case "true", "t", "1", "yes": return .bool(true)
            case "false", "f", "0", "no": return .bool(false)
            default: throw failure
            }
        case (.date, .text(let text)):
            guard let date = CanonicalTime.date(text.trimmed) else { throw failure }
            return .string(date)
        case (.timestamp, .text(let text)):
            guard let stamp = CanonicalTime.timestamp(text.trimmed) else { throw failure }
            return .string(stamp)
        default:
            throw failure
        }
    }

    /// The elements of an external set column: a JSON array (or JSON array
    /// text in a text column); NULL is the empty set.
    public static func elements(_ external: ExternalValue, column: String, type: ColumnType) throws(ConversionError) -> [Value] {
        let failure = ConversionError(column: column, type: type, value: external.description)
        var items: [ExternalValue]
        switch external {
        case .null: return []
        case .array(let elements): items = elements
        case .text(let text):
            guard let parsed = JSONArrayText.parse(text) else { throw failure }
            items = parsed
        default: throw failure
        }
        var result: Set<Value> = []
        for item in items {
            switch item {
            case .null: continue
            case .bool(let flag): result.insert(.bool(flag))
            case .int(let number): result.insert(.int(number))
            case .double(let number) where !number.isNaN: result.insert(.double(number))
            case .text(let text): result.insert(.string(text))
            default: throw failure
            }
        }
        return result.sorted()
    }

    /// The external value to write for a CRDT LWW value.
    public static func external(_ value: Value, column: String, type: ColumnType) throws(ConversionError) -> ExternalValue {
        let failure = ConversionError(column: column, type: type, value: value.description)
        if case .null = value { return .null }
        switch (type, value) {
        case (.text, .string(let text)): return .text(text)
        case (.text, .int(let number)): return .text(String(number))
        case (.text, .double(let number)): return .text(String(number))
        case (.text, .bool(let flag)): return .text(flag ? "true" : "false")
        case (.integer, .int(let number)): return .int(number)
        case (.integer, .bool(let flag)): return .int(flag ? 1 : 0)
        case (.integer, .double(let number)):
            guard let exact = Int64(exactly: number) else { throw failure }
            return .int(exact)
        case (.integer, .string(let text)):
            guard let number = Int64(text.trimmed) else { throw failure }
            return .int(number)
        case (.real, .double(let number)): return .double(number)
        case (.real, .int(let number)): return .double(Double(number))
        case (.real, .string(let text)):
            guard let number = Double(text.trimmed), !number.isNaN else { throw failure }
            return .double(number)
        case (.boolean, .bool(let flag)): return .bool(flag)
        case (.boolean, .int(let number)) where number == 0 || number == 1: return .bool(number == 1)
        case (.boolean, .string(let text)):
            guard case .bool(let flag) = try ValueConversion.value(.text(text), column: column, type: .boolean) else { throw failure }
            return .bool(flag)
        case (.date, .string(let text)):
            guard let date = CanonicalTime.date(text) else { throw failure }
            return .text(date)
        case (.timestamp, .string(let text)):
            guard let stamp = CanonicalTime.timestamp(text) else { throw failure }
            return .text(stamp)
        default:
            throw failure
        }
    }

    /// `value` as a column of `type` would give it back (its canonical form
    /// there): `.int(1)` in a boolean column is `.bool(true)`. Values are
    /// compared in this form, so two systems that type a field differently
    /// do not rewrite each other's rows forever. Nil if it does not fit.
    public static func normalized(_ value: Value, column: String, type: ColumnType) -> Value? {
        guard let external = try? external(value, column: column, type: type) else { return nil }
        return try? ValueConversion.value(external, column: column, type: type)
    }

    /// The external array for a set field's elements.
    public static func external(elements: [Value]) -> ExternalValue {
        .array(elements.compactMap { element in
            switch element {
            case .null: nil
            case .bool(let flag): .bool(flag)
            case .int(let number): .int(number)
            case .double(let number): .double(number)
            case .string(let text): .text(text)
            case .bytes(let bytes): .text(Hex.encode(bytes))
            }
        })
    }
}

extension String {
    var trimmed: String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
