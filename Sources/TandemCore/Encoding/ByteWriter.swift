/// Appends the primitives of Tandem's canonical encoding to a byte array.
///
/// Integers are unsigned LEB128 varints (minimal length); doubles are their
/// IEEE-754 bit pattern, 8 bytes little-endian; strings and byte strings are
/// a varint length followed by the bytes.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func writeByte(_ byte: UInt8) { bytes.append(byte) }

    public mutating func writeVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: remaining))
    }

    public mutating func writeVarint(_ value: Int) { writeVarint(UInt64(value)) }

    /// Writes a signed integer zig-zag encoded, so small magnitudes are short.
    public mutating func writeZigZag(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    public mutating func writeFixed64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    public mutating func writeRaw<C: Collection>(_ raw: C) where C.Element == UInt8 {
        bytes.append(contentsOf: raw)
    }

    public mutating func writeLengthPrefixed<C: Collection>(_ raw: C) where C.Element == UInt8 {
        writeVarint(raw.count)
        bytes.append(contentsOf: raw)
    }

    public mutating func writeString(_ text: String) {
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { writeLengthPrefixed($0) }
        if written == nil {
            var copy = text
            copy.withUTF8 { writeLengthPrefixed($0) }
        }
    }
}
