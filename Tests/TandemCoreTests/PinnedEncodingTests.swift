import TandemCore
import TandemTestSupport
import Testing

/// The record collection's canonical bytes, pinned: checksums of encodings
/// taken before the encoder was rewritten for speed (issue 6), so any change
/// to the bytes it writes fails here, whatever the decoder accepts.
@Suite(.ownThread) struct PinnedEncodingTests {
    /// SplitMix64: the same stream on every platform.
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    /// FNV-1a, 64 bits.
    static func checksum(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// Field names: short and long (past the 15 bytes Swift keeps inline),
    /// ASCII and not, drawn so that names first met late sort before names
    /// met early.
    static let names = [
        "zeta", "name", "email", "a", "b", "aa", "status", "Z", "ünïcode", "名前",
        "a-rather-long-field-name-0", "a-rather-long-field-name-1", "field9", "field10", "field1", "x",
    ]

    static let ids: [String] = {
        var ids: [String] = []
        for index in 0..<120 { ids.append("record-\(index)") }
        // Ids sharing their first 16 bytes and more, and ids that are
        // prefixes of others.
        for index in 0..<60 { ids.append("customers/emea/2024/account-\(index)") }
        ids += ["customers/emea/2024/account-", "customers/emea", "c", "é-record", "😀", "record-"]
        return ids
    }()

    static func value(_ random: inout SplitMix) -> Value {
        switch random.below(9) {
        case 0: return .null
        case 1: return .bool(random.below(2) == 0)
        case 2: return .int(Int64(bitPattern: random.next()) >> random.below(64))
        case 3: return .double(Double(Int64(bitPattern: random.next()) >> 20) / 7)
        case 4: return .bytes((0..<random.below(40)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        case 5: return .string(String(repeating: "é", count: random.below(12)))
        default:
            let letters = (0..<random.below(40)).map { _ in Character(Unicode.Scalar(UInt8(97 + random.below(26)))) }
            return .string(String(letters))
        }
    }

    /// Three replicas writing, inserting, deleting and adding to sets, some
    /// of it concurrently, then joined: registers with several entries,
    /// presence dots, set fields, gaps in the context.
    static func collection(seed: UInt64) throws -> RecordCollection {
        var random = SplitMix(state: seed)
        let nodes = [
            NodeID(words: 0x0101_0101_0101_0101, 0, 0, 0xA0),
            NodeID(words: 0x0101_0101_0101_0101, 0, 0, 0xB0),
            NodeID(words: 0xC0C0_C0C0_C0C0_C0C0, 0, 0, 0),
        ]
        var replicas = [RecordCollection(), RecordCollection(), RecordCollection()]
        var time: UInt64 = 1_700_000_000_000 << 16
        for round in 0..<4 {
            for step in 0..<400 {
                let which = random.below(3)
                let id = ids[random.below(ids.count)]
                time += UInt64(random.below(3)) << 16 | UInt64(random.below(2))
                let stamp = HLCTimestamp(rawValue: time)
                switch random.below(12) {
                case 0:
                    replicas[which].delete(id)
                case 1:
                    try replicas[which].insert(id, by: nodes[which])
                case 2:
                    let set = names[random.below(4)]
                    try replicas[which].add(value(&random), toSet: set, in: id, by: nodes[which])
                case 3:
                    let set = names[random.below(4)]
                    let element = replicas[which].elements(of: set, in: id).first ?? .null
                    replicas[which].remove(element, fromSet: set, in: id)
                default:
                    var fields: [(String, Value)] = []
                    for _ in 0..<(1 + random.below(step % 7 == 0 ? 12 : 4)) {
                        // Later rounds reach further into the name list.
                        fields.append((names[random.below(4 + round * 4)], value(&random)))
                    }
                    try replicas[which].update(id, fields: fields, by: nodes[which], at: stamp)
                }
            }
            // Partial exchange between rounds: 0 and 1 meet, 2 stays apart
            // until the end, so concurrent writes pile up.
            let zero = replicas[0]
            replicas[0].join(replicas[1])
            replicas[1].join(zero)
        }
        return replicas[0].joined(replicas[1]).joined(replicas[2])
    }

    /// A single node's bulk write (as in the peers benchmark): one entry per
    /// register, consecutive counters, one timestamp per record.
    static func bulk() throws -> RecordCollection {
        var random = SplitMix(state: 7)
        let node = NodeID(words: 0xA, 0, 0, 1)
        var delta = RecordCollection()
        var collection = RecordCollection()
        for index in 0..<500 {
            let fields = (0..<10).map { field in ("field\(field)", value(&random)) }
            delta.join(try collection.update(
                "record-\(index)", fields: fields, by: node,
                at: HLCTimestamp(rawValue: UInt64(1_700_000_000_000 + index / 3) << 16)))
        }
        return delta
    }

    @Test func mixedCollectionsKeepTheirBytes() throws {
        let expected: [(seed: UInt64, count: Int, checksum: UInt64)] = PinnedEncodingTests.pinned
        for pin in expected {
            let state = try Self.collection(seed: pin.seed)
            let bytes = state.encoded()
            #expect(bytes.count == pin.count, "seed \(pin.seed)")
            #expect(Self.checksum(bytes) == pin.checksum, "seed \(pin.seed)")
            #expect(try RecordCollection(decoding: bytes) == state)
            // The states cover every part of the format.
            let stores = Array(state.records.values)
            #expect(stores.contains { $0.fields.registers.contains { $0.entries.count > 1 } })
            #expect(stores.contains { !$0.presence.isEmpty })
            #expect(stores.contains { !$0.sets.isEmpty })
            #expect(stores.contains { $0.fields.count > 8 })
        }
    }

    @Test func bulkWriteKeepsItsBytes() throws {
        let bytes = try Self.bulk().encoded()
        #expect(bytes.count == PinnedEncodingTests.bulkPin.count)
        #expect(Self.checksum(bytes) == PinnedEncodingTests.bulkPin.checksum)
    }

    static let pinned: [(seed: UInt64, count: Int, checksum: UInt64)] = [
        (1, 36243, 0xED20_8508_B54E_26A3),
        (2, 35047, 0xCE4F_12DA_2488_82F2),
        (3, 35950, 0x965D_9C0E_49EE_F2FB),
    ]
    static let bulkPin: (count: Int, checksum: UInt64) = (67577, 0xA4CD_C8B6_7CD7_5CD2)
}
