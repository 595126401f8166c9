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
