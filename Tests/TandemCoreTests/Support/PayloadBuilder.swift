import TandemCore

/// Builds payloads byte by byte (hostile ones included) with the core's own
/// `ByteWriter`, following docs/protocol.md, "Canonical encoding".
struct PayloadBuilder {
    var writer = ByteWriter()

    init<T: CanonicalCoding>(_: T.Type) { writer.writeRaw(T.header) }

    var bytes: [UInt8] { writer.bytes }
    /// The offset the next byte will be written at.
    var offset: Int { writer.bytes.count }

    mutating func varint(_ value: UInt64) { writer.writeVarint(value) }
    mutating func raw(_ bytes: [UInt8]) { writer.writeRaw(bytes) }

    /// A context entry: node id, prefix and no cloud.
    mutating func contextEntry(_ node: NodeID, prefix: UInt64) {
        raw(node.bytes)
        varint(prefix)
        varint(0)
    }

    /// A one-node context `{node: 1...prefix}`.
    mutating func context(_ node: NodeID, prefix: UInt64) {
        varint(1)
        contextEntry(node, prefix: prefix)
    }

    /// A dot: node-table index and counter.
    mutating func dot(_ index: UInt64, _ counter: UInt64) {
        varint(index)
        varint(counter)
    }

    /// A string value.
    mutating func string(_ utf8: [UInt8]) {
        raw([5])
        varint(UInt64(utf8.count))
        raw(utf8)
    }

    /// A double value from its bit pattern.
    mutating func double(bits: UInt64) {
        raw([4])
        writer.writeFixed64(bits)
    }
}
