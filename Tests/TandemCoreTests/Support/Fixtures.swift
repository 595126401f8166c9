import PropertyBased
import TandemCore

/// The nodes, identifiers and values the generated scripts draw from: small
/// pools, so that operations collide on the same records, fields and elements.
enum Fixture {
    /// Three nodes, ordered a < b < c. `a` and `b` differ only in their last
    /// word and `c` in its first, so ties exercise the whole comparison.
    static let a = NodeID(words: 0x0101_0101_0101_0101, 0, 0, 0x0000_0000_0000_00A0)
    static let b = NodeID(words: 0x0101_0101_0101_0101, 0, 0, 0x0000_0000_0000_00B0)
    static let c = NodeID(words: 0xC0C0_C0C0_C0C0_C0C0, 0, 0, 0)
    static let nodes = [a, b, c]

    static let recordIDs = ["r1", "r2", "r3"]
    /// Last-writer-wins field names; "note" is also a set field name.
    static let fieldNames = ["name", "email", "note"]
    static let setNames = ["tags", "note"]

    /// Field values: every kind, with neighbours that must stay distinct
    /// (0.0 and -0.0; "é" precomposed and decomposed, equal as Swift strings).
    static let values: [Value] = [
        .null, .bool(false), .bool(true), .int(0), .int(-1), .int(.max), .int(.min),
        .double(0.0), .double(-0.0), .double(1.5), .double(-.infinity),
        .string(""), .string("Ann"), .string("\u{E9}"), .string("e\u{301}"),
        .bytes([]), .bytes([0, 255]),
    ]

    /// Set elements: few enough that removes often hit an element present.
    static let elements: [Value] = [.string("vip"), .int(7), .double(0.0), .double(-0.0), .bytes([1])]

    /// The timestamp `physical.logical`.
    static func timestamp(_ physical: UInt64, _ logical: UInt64 = 0) -> HLCTimestamp {
        HLCTimestamp(rawValue: physical << 16 | logical)
    }
}

/// A generator of the elements of a non-empty array.
func pick<T: Sendable>(_ items: [T]) -> Generator<T, some SendableSequenceType> {
    Gen.int(in: 0...(items.count - 1)).map { items[$0] }
}
