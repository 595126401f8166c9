/// A class of fault the simulator can inject. `--faults` takes any list of
/// these names, or `all` or `none`.
public enum FaultKind: String, CaseIterable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Partitions of any shape (group splits, an isolated node, random
    /// link cuts) that come and go and may overlap.
    case partitions
    /// Messages lost on a connected link.
    case loss
    /// Messages delivered twice.
    case duplication
    /// Messages overtaking each other on a link (no FIFO order).
    case reordering
    /// Some messages held up for a long time (up to 1.5 s).
    case delay
    /// Nodes crashing and restarting from their durable state, and commits
    /// failing part-way (an I/O error or a crash inside a transaction).
    case crashes
    /// Per-node clock skew, both inside and beyond the drift bound; a
    /// restarted node may come back with a different skew.
    case skew
    /// A peer that sends garbage and forged batches.
    case malicious
    /// Not a fault but an operation the daemon runs: nodes compact their
    /// delta logs (batches every peer acknowledged, after a short retention).
    case compaction
    /// The malicious peer (not a state source of any node) sends forged
    /// state digests: matching the target's records, claiming batches and
    /// causal-context dots the target lacks.
    case forgedDigests
    /// At the adapter edge: tables that refuse writes (poison values),
    /// mapped columns dropped and restored (schema drift), mass deletes held
    /// for approval, captures lost until a restart or slow, and commit
    /// failures aimed at adapter commits.
    case adapters

    public var description: String { rawValue }

    public static func < (lhs: FaultKind, rhs: FaultKind) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }

    /// The classes `all` stands for: every class.
    public static let standard: Set<FaultKind> = Set(allCases)

    /// Parses `all`, `none` or a comma-separated list of fault names
    /// (`all` may be one of the list).
    ///
    /// - Returns: nil when a name is unknown.
    public static func parseSet(_ text: String) -> Set<FaultKind>? {
        let trimmed = text.trimmed
        if trimmed == "all" { return standard }
        if trimmed == "none" || trimmed.isEmpty { return [] }
        var result: Set<FaultKind> = []
        for name in trimmed.split(separator: ",") {
            if name.trimmed == "all" {
                result.formUnion(standard)
                continue
            }
            guard let kind = FaultKind(rawValue: name.trimmed) else { return nil }
            result.insert(kind)
        }
        return result
    }

    /// The canonical spelling of a set: `all`, `none`, or the names in order.
    public static func describe(_ set: Set<FaultKind>) -> String {
        if set == standard { return "all" }
        if set.isSuperset(of: standard) {
            return (["all"] + set.subtracting(standard).sorted().map(\.rawValue)).joined(separator: ",")
        }
        if set.isEmpty { return "none" }
        return set.sorted().map(\.rawValue).joined(separator: ",")
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmed: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
