import TandemCore

/// How far an adapter has captured, committed in the node's store in the
/// same transaction as the changes it acknowledges: a restart resumes from
/// here, so a change is never captured twice or skipped.
public struct AdapterCursor: Hashable, Sendable {
    /// Every outbox change up to this sequence is handled (applied, found
    /// unchanged, reported or held).
    public var through: Int64
    /// Outbox sequences of deletes held for approval; their outbox rows are
    /// kept until the hold is approved or rejected.
    public var held: [ClosedRange<Int64>]
    /// Whether the first import of the table's existing rows finished.
    public var backfilled: Bool
    /// The last primary key the unfinished backfill imported (it resumes after it).
    public var backfillAfter: String?

    public init(through: Int64 = 0, held: [ClosedRange<Int64>] = [], backfilled: Bool = false, backfillAfter: String? = nil) {
        self.through = through
        self.held = held
        self.backfilled = backfilled
        self.backfillAfter = backfillAfter
    }

    /// The number of held deletes.
    public var heldCount: Int { held.reduce(0) { $0 + Int($1.upperBound - $1.lowerBound + 1) } }

    /// Adds `sequences` to the held ranges (coalescing neighbours).
    public mutating func hold(_ sequences: [Int64]) {
        for sequence in sequences.sorted() {
            if let last = held.last, last.upperBound + 1 == sequence {
                held[held.count - 1] = last.lowerBound...sequence
            } else if !held.contains(where: { $0.contains(sequence) }) {
                held.append(sequence...sequence)
            }
        }
    }

    // MARK: Encoding

    /// The cursor's bytes: version 1, then fields as text lines (small,
    /// readable with `sqlite3`, stable).
    public var encoded: [UInt8] {
        var lines = ["v1", "through=\(through)", "backfilled=\(backfilled ? 1 : 0)"]
        if let backfillAfter { lines.append("after=" + Hex.encodeText(backfillAfter)) }
        for range in held { lines.append("held=\(range.lowerBound)-\(range.upperBound)") }
        return Array(lines.joined(separator: "\n").utf8)
    }

    /// A cursor from its bytes.
    ///
    /// - Throws: `AdapterError.badCursor` naming what is wrong.
    public init(decoding bytes: [UInt8]) throws(AdapterError) {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
        guard lines.popFirst() == "v1" else { throw AdapterError.badCursor("unknown version") }
        self.init()
        for line in lines {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw AdapterError.badCursor("line \(line)") }
            switch parts[0] {
            case "through":
                guard let value = Int64(parts[1]) else { throw AdapterError.badCursor("through \(parts[1])") }
                through = value
            case "backfilled": backfilled = parts[1] == "1"
            case "after":
                guard let value = Hex.decodeText(String(parts[1])) else { throw AdapterError.badCursor("after") }
                backfillAfter = value
            case "held":
                let bounds = parts[1].split(separator: "-")
                guard bounds.count == 2, let low = Int64(bounds[0]), let high = Int64(bounds[1]), low <= high else {
                    throw AdapterError.badCursor("held \(parts[1])")
                }
                held.append(low...high)
            default: throw AdapterError.badCursor("unknown field \(parts[0])")
            }
        }
    }
}

extension Hex {
    static func encodeText(_ text: String) -> String { Hex.encode(Array(text.utf8)) }

    static func decodeText(_ hex: String) -> String? {
        Hex.decode(hex).flatMap { String(validating: $0, as: UTF8.self) }
    }
}
