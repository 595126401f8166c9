/// A field value: the six kinds every adapter maps its columns to.
///
/// Values are compared and hashed by their exact representation: a `Double`
/// by its bit pattern (so `0.0` and `-0.0` are different values and encode to
/// different bytes), which keeps equality, hashing and the canonical encoding
/// in agreement. NaN is never a valid value; see `validate(_:)`.
///
/// Values are totally ordered (first by kind, in declaration order, then by
/// content) so that deterministic choices, such as sorting set elements for
/// the canonical encoding, are the same on every node.
public enum Value: Hashable, Comparable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case bytes([UInt8])

    /// The kind's rank in the total order (declaration order) and in the
    /// hash. Not the canonical encoding's tag, which also tells `false` from
    /// `true`: that is `CanonicalFormat.ValueTag`.
    @inlinable
    public var kindTag: UInt8 {
        switch self {
        case .null: 0
        case .bool: 1
        case .int: 2
        case .double: 3
        case .string: 4
        case .bytes: 5
        }
    }

    /// Checks the value against `limits`.
    ///
    /// - Throws: `CoreError.notANumber` for NaN, `CoreError.stringTooLong` or
    ///   `CoreError.bytesTooLong` when a length exceeds its limit.
    public func validate(_ limits: Limits) throws(CoreError) {
        switch self {
        case .double(let number) where number.isNaN:
            throw CoreError.notANumber
        case .string(let text) where text.utf8.count > limits.maxStringBytes:
            throw CoreError.stringTooLong(bytes: text.utf8.count, limit: limits.maxStringBytes)
        case .bytes(let data) where data.count > limits.maxBytesLength:
            throw CoreError.bytesTooLong(bytes: data.count, limit: limits.maxBytesLength)
        default:
            return
        }
    }

    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a.bitPattern == b.bitPattern
        case (.string(let a), .string(let b)): a.utf8.elementsEqual(b.utf8)
        case (.bytes(let a), .bytes(let b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kindTag)
        switch self {
        case .null: break
        case .bool(let flag): hasher.combine(flag)
        case .int(let number): hasher.combine(number)
        case .double(let number): hasher.combine(number.bitPattern)
        case .string(let text): hasher.combine(text)
        case .bytes(let data): hasher.combine(data)
        }
    }

    public static func < (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.bool(let a), .bool(let b)): return !a && b
        case (.int(let a), .int(let b)): return a < b
        case (.double(let a), .double(let b)):
            // Total order on bit patterns mapped to sign-magnitude order.
            return Value.orderedBits(a) < Value.orderedBits(b)
        case (.string(let a), .string(let b)): return a.utf8.lexicographicallyPrecedes(b.utf8)
        case (.bytes(let a), .bytes(let b)): return a.lexicographicallyPrecedes(b)
        default: return lhs.kindTag < rhs.kindTag
        }
    }

    private static func orderedBits(_ number: Double) -> UInt64 {
        let bits = number.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .string(let text): "\"\(text)\""
        case .bytes(let data): "<\(data.count) bytes>"
        }
    }
}
