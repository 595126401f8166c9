/// A writer for the records section of an encoding: bytes go to a fixed
/// staging buffer through raw stores, and reach the `ByteWriter` a buffer at
/// a time, so the per-byte cost of appending to an array (a uniqueness and
/// a capacity check per byte) is paid once per 16 KiB.
///
/// Noncopyable, like `ByteReader`: it owns its staging buffer, which its
/// `deinit` frees, so no copy can outlive the buffer or free it twice.
struct StagedWriter: ~Copyable {
    private var writer: ByteWriter
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity = 1 << 14
    private var count = 0

    init(_ writer: ByteWriter) {
        self.writer = writer
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// Everything written (the staging buffer is freed as the writer ends).
    consuming func finish() -> ByteWriter {
        flush()
        return writer
    }

    private mutating func flush() {
        if count > 0 {
            writer.writeRaw(UnsafeBufferPointer(start: buffer, count: count))
            count = 0
        }
    }

    /// Runs `body` on the underlying writer, after what is staged.
    mutating func withWriter(_ body: (inout ByteWriter) -> Void) {
        flush()
        body(&writer)
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        if count == capacity { flush() }
        buffer[count] = value
        count += 1
    }

    @inline(__always)
    mutating func varint(_ value: UInt64) {
        if count > capacity - 10 { flush() }
        var remaining = value
        while remaining >= 0x80 {
            buffer[count] = UInt8(truncatingIfNeeded: remaining) | 0x80
            count += 1
            remaining >>= 7
        }
        buffer[count] = UInt8(truncatingIfNeeded: remaining)
        count += 1
    }

    @inline(__always)
    mutating func varint(_ value: Int) { varint(UInt64(value)) }

    @inline(__always)
    mutating func zigZag(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    @inline(__always)
    mutating func raw(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        let length = bytes.count
        if length > capacity - count {
            flush()
            if length > capacity {
                writer.writeRaw(bytes)
                return
            }
        }
        let target = UnsafeMutableRawPointer(buffer + count)
        let source = UnsafeRawPointer(base)
        if length >= 8 && length <= 64 {
            // Short runs (most strings and ids): 8-byte words, the last one
            // overlapping the one before, rather than a call to memcpy.
            var offset = 0
            while offset + 8 < length {
                target.storeBytes(of: source.loadUnaligned(fromByteOffset: offset, as: UInt64.self),
                                  toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            target.storeBytes(of: source.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self),
                              toByteOffset: length - 8, as: UInt64.self)
        } else if length < 8 {
            for offset in 0..<length { target.storeBytes(of: source.load(fromByteOffset: offset, as: UInt8.self), toByteOffset: offset, as: UInt8.self) }
        } else {
            target.copyMemory(from: source, byteCount: length)
        }
        count += length
    }

    @inline(__always)
    mutating func lengthPrefixed(_ bytes: UnsafeBufferPointer<UInt8>) {
        varint(bytes.count)
        raw(bytes)
    }

    @inline(__always)
    mutating func string(_ text: String) {
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { lengthPrefixed($0) }
        if written == nil {
            var copy = text
            copy.withUTF8 { lengthPrefixed($0) }
        }
    }
}
