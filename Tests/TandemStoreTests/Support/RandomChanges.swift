import TandemCore
import tandem_crash_writer

/// Random changes through the delta mutators, on a small pool of records,
/// fields, set elements and values, so that changes collide.
enum RandomChanges {
    static let recordIDs = ["r1", "r2", "r3", "r4", "r5"]
    static let fields = ["name", "email", "status", "score"]
    static let setName = "tags"
    static let elements: [Value] = [.string("vip"), .int(7), .double(0.0), .double(-0.0), .bytes([1])]
    static let values: [Value] = [
        .null, .bool(true), .int(0), .int(-1), .int(.max), .double(-0.0), .double(1.5),
        .string(""), .string("Ann"), .string("\u{E9}"), .string("e\u{301}"), .bytes([]), .bytes([0, 255]),
    ]

    /// One random change to a random record of `replica`, made by `node`
    /// at `timestamp`: its delta.
    static func change(
        _ replica: inout RecordCollection, by node: NodeID, at timestamp: HLCTimestamp, random: inout SeededRandom
    ) throws -> RecordCollection {
        try change(&replica, record: random.pick(recordIDs), by: node, at: timestamp, random: &random)
    }

    /// One random change to record `id`: an update of one to three fields,
    /// a delete, an insert, or a set add or remove.
    static func change(
        _ replica: inout RecordCollection, record id: String, by node: NodeID, at timestamp: HLCTimestamp,
        random: inout SeededRandom
    ) throws -> RecordCollection {
        switch random.below(10) {
        case 0, 1, 2, 3:
            var changes: [(String, Value)] = []
            for _ in 0..<(1 + random.below(3)) { changes.append((random.pick(fields), random.pick(values))) }
            return try replica.update(id, fields: changes, by: node, at: timestamp)
        case 4, 5:
            return replica.delete(id)
        case 6:
            return try replica.insert(id, by: node)
        case 7:
            return try replica.add(random.pick(elements), toSet: setName, in: id, by: node)
        default:
            let present = replica.elements(of: setName, in: id)
            // Removing an element that is absent makes an empty delta: a
            // batch with no effect, which stores must take as well.
            return replica.remove(present.isEmpty ? random.pick(elements) : random.pick(present), fromSet: setName, in: id)
        }
    }
}
