// Value: its canonical coding (a tag byte, then the payload), alone or inside
// a larger payload.

extension Value {
    /// The value's canonical bytes (its tag and payload), as stored in a
    /// database column or hashed for a digest.
    public var canonicalBytes: [UInt8] {
        var writer = ByteWriter(capacity: 16)
        writer.writeValue(self)
        return writer.bytes
    }

    /// Decodes `canonicalBytes`.
    ///
    /// - Throws: `DecodingError` for malformed bytes or a value outside `limits`.
    public init(canonicalBytes bytes: [UInt8], limits: Limits = .default) throws(DecodingError) {
        var reader = ByteReader(bytes)
        self = try reader.readValue(limits: limits)
        try reader.expectEnd()
    }
}

extension ByteWriter {
    /// Writes a value: a tag byte, then its payload.
    mutating func writeValue(_ value: Value) {
        switch value {
        case .null: writeByte(CanonicalFormat.ValueTag.null.rawValue)
        case .bool(let flag):
            writeByte(flag ? CanonicalFormat.ValueTag.trueValue.rawValue : CanonicalFormat.ValueTag.falseValue.rawValue)
        case .int(let number):
            writeByte(CanonicalFormat.ValueTag.int.rawValue)
            writeZigZag(number)
        case .double(let number):
            writeByte(CanonicalFormat.ValueTag.double.rawValue)
            writeFixed64(number.bitPattern)
        case .string(let text):
            writeByte(CanonicalFormat.ValueTag.string.rawValue)
            writeString(text)
        case .bytes(let data):
            writeByte(CanonicalFormat.ValueTag.bytes.rawValue)
            writeLengthPrefixed(data)
        }
    }
}

extension ByteReader {
    /// Reads a value and checks it against `limits`.
    mutating func readValue(limits: Limits) throws(DecodingError) -> Value {
        let start = offset
        let tagByte = try readByte()
        guard let tag = CanonicalFormat.ValueTag(rawValue: tagByte) else {
            throw DecodingError(offset: start, reason: .unknownValueTag(tagByte))
        }
        let value: Value
        switch tag {
        case .null: value = .null
        case .falseValue: value = .bool(false)
        case .trueValue: value = .bool(true)
        case .int: value = .int(try readZigZag())
        case .double: value = .double(Double(bitPattern: try readFixed64()))
        case .string: value = .string(try readString(limit: limits.maxStringBytes))
        case .bytes: value = .bytes(Array(try readLengthPrefixed(limit: limits.maxBytesLength)))
        }
        do {
            try value.validate(limits)
        } catch {
            throw DecodingError(offset: start, reason: .invalidValue(error))
        }
        return value
    }
}

extension ByteReader {
    /// Reads the payload of a value whose tag was read elsewhere (at
    /// `tagOffset`), and checks the value against `limits`.
    mutating func readValuePayload(tag: UInt8, at tagOffset: Int, limits: Limits) throws(DecodingError) -> Value {
        let value: Value
        switch tag {
        case CanonicalFormat.ValueTag.null.rawValue: return .null
        case CanonicalFormat.ValueTag.falseValue.rawValue: return .bool(false)
        case CanonicalFormat.ValueTag.trueValue.rawValue: return .bool(true)
        case CanonicalFormat.ValueTag.int.rawValue: return .int(try readZigZag())
        case CanonicalFormat.ValueTag.double.rawValue:
            value = .double(Double(bitPattern: try readFixed64()))
        case CanonicalFormat.ValueTag.string.rawValue:
            // Within the limit by construction: `readString` checks it.
            return .string(try readString(limit: limits.maxStringBytes))
        case CanonicalFormat.ValueTag.bytes.rawValue:
            return .bytes(Array(try readLengthPrefixed(limit: limits.maxBytesLength)))
        default:
            throw DecodingError(offset: tagOffset, reason: .unknownValueTag(tag))
        }
        do {
            try value.validate(limits)
        } catch {
            throw DecodingError(offset: tagOffset, reason: .invalidValue(error))
        }
        return value
    }
}
