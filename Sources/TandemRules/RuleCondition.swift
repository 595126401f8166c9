public import TandemCore

/// When a rule's trigger holds for a record: a test of one field's winning
/// value. A rule fires on the change that makes its condition hold (it did
/// not hold before the change and holds after it), never on a change that
/// leaves it holding.
public enum RuleCondition: Hashable, Sendable, CustomStringConvertible {
    /// The field's value equals this value (same kind, same content).
    case equals(Value)
    /// The field holds a value other than null and the empty string.
    case nonEmpty
    /// The field holds an ISO 8601 date or date-time text on or after this
    /// date (`"2027-01-01"`): compared as text on the date's length, which
    /// orders ISO 8601 dates correctly.
    case onOrAfter(String)
    /// The field holds an ISO 8601 date or date-time text before this date.
    case before(String)

    /// Whether the condition holds for `value` (nil: the field is absent).
    public func holds(for value: Value?) -> Bool {
        switch self {
        case .equals(let expected):
            return value == expected
        case .nonEmpty:
            switch value {
            case nil, .null: return false
            case .string(let text): return !text.isEmpty
            default: return true
            }
        case .onOrAfter(let date):
            guard let text = Self.dateText(value, length: date.utf8.count) else { return false }
            return !text.utf8.lexicographicallyPrecedes(date.utf8)
        case .before(let date):
            guard let text = Self.dateText(value, length: date.utf8.count) else { return false }
            return text.utf8.lexicographicallyPrecedes(date.utf8)
        }
    }

    /// The first `length` characters of a text value that starts like an
    /// ISO 8601 date (four digits and a dash), or nil.
    private static func dateText(_ value: Value?, length: Int) -> Substring? {
        guard case .string(let text)? = value else { return nil }
        let bytes = Array(text.utf8.prefix(5))
        guard bytes.count == 5, bytes[0..<4].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), bytes[4] == 0x2D else { return nil }
        return text.prefix(length)
    }

    /// Whether `date` is an ISO 8601 date (`YYYY-MM-DD`) or date-time that
    /// the date conditions can compare.
    public static func isComparableDate(_ date: String) -> Bool {
        let bytes = Array(date.utf8)
        guard bytes.count >= 10 else { return false }
        let digits: [Int] = [0, 1, 2, 3, 5, 6, 8, 9]
        return digits.allSatisfy { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 } && bytes[4] == 0x2D && bytes[7] == 0x2D
    }

    public var description: String {
        switch self {
        case .equals(let value): "equals \(value)"
        case .nonEmpty: "becomes non-empty"
        case .onOrAfter(let date): "on or after \(date)"
        case .before(let date): "before \(date)"
        }
    }
}
