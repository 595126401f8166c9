/// Reads the primitives of Tandem's canonical encoding, checking every
/// length against the remaining input before allocating, and throwing
/// `DecodingError` (with the offset) on anything malformed.
public struct ByteReader: ~Copyable {
    let bytes: [UInt8]
    /// The offset of the next byte to read.
    public private(set) var offset: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        offset = 0
    }

    /// Bytes left to read.
    public var remaining: Int { bytes.count - offset }

    /// An error at the current offset.
    public func error(_ reason: DecodingError.Reason) -> DecodingError {
        DecodingError(offset: offset, reason: reason)
    }

    public mutating func readByte() throws(DecodingError) -> UInt8 {
        guard offset < bytes.count else { throw error(.truncated) }
        let byte = bytes[offset]
        offset += 1
        return byte
    }

    /// Reads a minimal-length LEB128 varint of at most 64 bits.
    public mutating func readVarint() throws(DecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = offset
        while true {
            guard offset < bytes.count else { throw error(.truncated) }
            let byte = bytes[offset]
            offset += 1
            let payload = UInt64(byte & 0x7f)
            if shift == 63 && payload > 1 { throw DecodingError(offset: start, reason: .malformedVarint) }
            result |= payload << shift
            if byte & 0x80 == 0 {
                // Minimal length: a multi-byte varint may not end in a zero byte.
                if byte == 0 && offset - start > 1 { throw DecodingError(offset: start, reason: .malformedVarint) }
                return result
            }
            shift += 7
            if shift > 63 { throw DecodingError(offset: start, reason: .malformedVarint) }
        }
    }

    /// Reads a count of items that each take at least `minimumItemBytes`,
    /// refusing counts the remaining input cannot hold.
    public mutating func readCount(minimumItemBytes: Int = 1) throws(DecodingError) -> Int {
        let start = offset
        let raw = try readVarint()
        guard raw <= UInt64(remaining / max(minimumItemBytes, 1)) else {
            throw DecodingError(offset: start, reason: .lengthOutOfRange(Int(clamping: raw)))
        }
        return Int(raw)
    }

    public mutating func readZigZag() throws(DecodingError) -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    public mutating func readFixed64() throws(DecodingError) -> UInt64 {
        guard remaining >= 8 else { throw error(.truncated) }
        var value: UInt64 = 0
        for index in 0..<8 {
            value |= UInt64(bytes[offset + index]) << UInt64(index * 8)
        }
        offset += 8
        return value
    }

    public mutating func readRaw(count: Int) throws(DecodingError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else { throw error(.truncated) }
        let slice = bytes[offset..<(offset + count)]
        offset += count
        return slice
    }

    /// Reads a length-prefixed byte string of at most `limit` bytes.
    public mutating func readLengthPrefixed(limit: Int) throws(DecodingError) -> ArraySlice<UInt8> {
        let start = offset
        let length = try readVarint()
        guard length <= UInt64(limit) else {
            throw DecodingError(offset: start, reason: .lengthOutOfRange(Int(clamping: length)))
        }
        guard length <= UInt64(remaining) else { throw error(.truncated) }
        return try readRaw(count: Int(length))
    }

    /// Reads a length-prefixed UTF-8 string of at most `limit` bytes.
    public mutating func readString(limit: Int) throws(DecodingError) -> String {
        let start = offset
        let raw = try readLengthPrefixed(limit: limit)
        guard let text = raw.withUnsafeBufferPointer(validatedString) else {
            throw DecodingError(offset: start, reason: .invalidUTF8)
        }
        return text
    }

    /// Throws unless every byte has been read.
    public func expectEnd() throws(DecodingError) {
        if remaining != 0 { throw error(.trailingBytes(remaining)) }
    }
}

/// The string of `utf8`, or `nil` when it is not valid UTF-8.
///
/// ASCII (the common case for ids, names and many values) is checked here
/// and built without a second validation pass; anything else goes through
/// the standard library's validating initializer. Called through a
/// concrete buffer type, so no generic metadata is looked up per string.
@inline(__always)
func validatedString(_ utf8: UnsafeBufferPointer<UInt8>) -> String? {
    var combined: UInt8 = 0
    for byte in utf8 { combined |= byte }
    if combined < 0x80 { return String(decoding: utf8, as: UTF8.self) }
    return String(validating: utf8, as: UTF8.self)
}
