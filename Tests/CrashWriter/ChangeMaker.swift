import TandemCore

/// Builds one random change to one record of a replica with the delta
/// mutators, and returns its delta.
enum ChangeMaker {
    static let fields = ["name", "email", "phone", "city", "status", "score", "notes", "owner"]
    static let tags: [Value] = [.string("vip"), .string("churn-risk"), .string("trial"), .int(7), .bool(true), .bytes([1, 2])]

    static func change(
        _ replica: inout RecordCollection, record id: String, by node: NodeID, at timestamp: HLCTimestamp,
        random: inout SeededRandom
    ) throws(CoreError) -> RecordCollection {
        switch random.below(20) {
        case 0:
            return replica.delete(id)
        case 1, 2:
            return try replica.add(tags[random.below(tags.count)], toSet: "tags", in: id, by: node)
        case 3:
            let present = replica.elements(of: "tags", in: id)
            guard !present.isEmpty else { return try update(&replica, record: id, by: node, at: timestamp, random: &random) }
            return replica.remove(present[random.below(present.count)], fromSet: "tags", in: id)
        case 4:
            // Two mutators in one batch: the join of their deltas.
            var delta = try update(&replica, record: id, by: node, at: timestamp, random: &random)
            delta.join(try replica.add(tags[random.below(tags.count)], toSet: "tags", in: id, by: node))
            return delta
        default:
            return try update(&replica, record: id, by: node, at: timestamp, random: &random)
        }
    }

    /// Writes 1 to 5 random fields.
    static func update(
        _ replica: inout RecordCollection, record id: String, by node: NodeID, at timestamp: HLCTimestamp,
        random: inout SeededRandom
    ) throws(CoreError) -> RecordCollection {
        var changes: [(String, Value)] = []
        for _ in 0..<(1 + random.below(5)) {
            changes.append((fields[random.below(fields.count)], value(&random)))
        }
        return try replica.update(id, fields: changes, by: node, at: timestamp)
    }

    static func value(_ random: inout SeededRandom) -> Value {
        switch random.below(6) {
        case 0: .null
        case 1: .bool(random.below(2) == 0)
        case 2: .int(Int64.random(in: -1_000_000...1_000_000, using: &random))
        case 3: .double(Double(random.below(100_000)) / 8)
        case 4: .bytes((0..<random.below(64)).map { _ in UInt8.random(in: 0...255, using: &random) })
        default: .string(String(repeating: "x", count: random.below(400)) + "-\(random.below(1000))")
        }
    }
}
