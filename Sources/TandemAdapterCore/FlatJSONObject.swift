/// A direct reader for the JSON objects capture triggers and row reads
/// produce in the common case: one object whose values are strings without
/// `\u` escapes, integers that fit `Int64`, `true`, `false` or `null`.
///
/// It gives exactly what decoding through `JSONDecoder` into
/// `[String: ExternalValue]` gives for such text, and nil for anything else
/// (a fraction or exponent, an array, a nested object, a `\u` escape, a
/// repeated name, text that is not JSON), so that the caller decodes that
/// with `JSONDecoder`. It exists because `JSONDecoder` took about a tenth of
/// a node's CPU when every captured change and every row read is decoded
/// (docs/PERFORMANCE.md, "End to end").
enum FlatJSONObject {
    /// The object's values, or nil when `text` is outside the reader's subset.
    static func values(_ text: String) -> [String: ExternalValue]? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = Reader(bytes: bytes)
            return reader.object()
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func object() -> [String: ExternalValue]? {
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            var result: [String: ExternalValue] = [:]
            skipSpace()
            if take(UInt8(ascii: "}")) { return finished() ? result : nil }
            while true {
                skipSpace()
                guard let name = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                guard let value = value(), result.updateValue(value, forKey: name) == nil else { return nil }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "}")) else { return nil }
                return finished() ? result : nil
            }
        }

        /// Whether only whitespace follows.
        private mutating func finished() -> Bool {
            skipSpace()
            return index == bytes.count
        }

        private mutating func value() -> ExternalValue? {
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""): return string().map(ExternalValue.text)
            case UInt8(ascii: "t"): return word("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return word("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return word("null") ? .null : nil
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return integer().map(ExternalValue.int)
            default: return nil
            }
        }

        /// An integer without fraction or exponent that fits `Int64`.
        private mutating func integer() -> Int64? {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digits = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            let count = index - digits
            // JSON has no leading zeros; 19 digits may not fit, 20 never do.
            guard count > 0, count <= 19, !(count > 1 && bytes[digits] == UInt8(ascii: "0")) else { return nil }
            // "-0" is left to JSONDecoder (whose reading of it this does not assume).
            if digits > start, count == 1, bytes[digits] == UInt8(ascii: "0") { return nil }
            if index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
                default: break
                }
            }
            return Int64(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        }

        /// A string with simple escapes only.
        private mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            var plain = true
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let body = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    index += 1
                    return plain ? String(decoding: body, as: UTF8.self) : Self.unescaped(body)
                }
                if byte < 0x20 { return nil }  // control characters must be escaped
                if byte == UInt8(ascii: "\\") {
                    plain = false
                    index += 1
                    guard index < bytes.count, Self.escapes[bytes[index]] != nil else { return nil }
                }
                index += 1
            }
            return nil
        }

        /// The simple escapes JSON has, and what they stand for (`\u` is not among them).
        private static let escapes: [UInt8: UInt8] = [
            UInt8(ascii: "\""): UInt8(ascii: "\""), UInt8(ascii: "\\"): UInt8(ascii: "\\"), UInt8(ascii: "/"): UInt8(ascii: "/"),
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]

        /// `body` (checked by `string()`) with its escapes replaced.
        private static func unescaped(_ body: UnsafeBufferPointer<UInt8>) -> String {
            var result: [UInt8] = []
            result.reserveCapacity(body.count)
            var position = 0
            while position < body.count {
                if body[position] == UInt8(ascii: "\\"), position + 1 < body.count, let byte = escapes[body[position + 1]] {
                    result.append(byte)
                    position += 2
                } else {
                    result.append(body[position])
                    position += 1
                }
            }
            return String(decoding: result, as: UTF8.self)
        }

        private mutating func word(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        private mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }
    }
}
