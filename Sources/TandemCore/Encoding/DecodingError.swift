/// Why bytes could not be decoded, and where.
///
/// Decoders never trap, never allocate more than the input can justify and
/// never loop without consuming input: every failure ends in one of these,
/// with the byte offset at which the problem was found.
public struct DecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Hashable, Sendable {
        /// The input ended before a complete value.
        case truncated
        /// The input is larger than `Limits.maxEncodedBytes`.
        case inputTooLarge(bytes: Int, limit: Int)
        /// The magic bytes are not Tandem's.
        case badMagic
        /// The format version is not one this build reads.
        case unsupportedVersion(UInt8)
        /// The payload is of another kind than the one asked for.
        case wrongKind(expected: UInt8, found: UInt8)
        /// A variable-length integer was over-long or overflowed 64 bits.
        case malformedVarint
        /// A value tag is unknown.
        case unknownValueTag(UInt8)
        /// A string is not valid UTF-8.
        case invalidUTF8
        /// A value breaks a limit or a rule (NaN, over-long string).
        case invalidValue(CoreError)
        /// A count or length is larger than the input could hold or a limit allows.
        case lengthOutOfRange(Int)
        /// A reference points outside its table.
        case indexOutOfRange(Int)
        /// Keys or dots are not in strictly increasing canonical order.
        case notCanonical(String)
        /// A store holds a dot its causal context does not contain.
        case dotOutsideContext
        /// Bytes remain after the complete value.
        case trailingBytes(Int)
    }

    /// The byte offset at which decoding failed.
    public var offset: Int
    /// What was wrong there.
    public var reason: Reason

    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        let what: String
        switch reason {
        case .truncated: what = "input ends before the value is complete"
        case .inputTooLarge(let bytes, let limit): what = "input of \(bytes) bytes exceeds the limit of \(limit)"
        case .badMagic: what = "not Tandem data (bad magic bytes)"
        case .unsupportedVersion(let version):
            what = "format version \(version) is not supported (this build reads \(CanonicalFormat.version))"
        case .wrongKind(let expected, let found): what = "expected payload kind \(expected), found \(found)"
        case .malformedVarint: what = "malformed variable-length integer"
        case .unknownValueTag(let tag): what = "unknown value tag \(tag)"
        case .invalidUTF8: what = "string is not valid UTF-8"
        case .invalidValue(let error): what = "invalid value: \(error)"
        case .lengthOutOfRange(let length): what = "length or count \(length) is out of range"
        case .indexOutOfRange(let index): what = "table index \(index) is out of range"
        case .notCanonical(let detail): what = "not in canonical form: \(detail)"
        case .dotOutsideContext: what = "a stored dot is missing from the causal context"
        case .trailingBytes(let count): what = "\(count) unexpected bytes after the value"
        }
        return "malformed Tandem data at byte \(offset): \(what)"
    }
}
