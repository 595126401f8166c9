/// The store a run's nodes use: the in-memory one, or `SQLiteStore` in a
/// temporary directory removed at the end of the run.
public enum StoreKind: String, Hashable, Sendable, CaseIterable {
    case memory
    case sqlite
}

/// Which store the runs use: one kind for every seed, or (`mixed`) SQLite
/// for a share of seeds drawn from the seed and the in-memory store for the
/// rest.
public enum StoreChoice: Hashable, Sendable, CustomStringConvertible {
    case mixed
    case fixed(StoreKind)

    /// The share of seeds that run on SQLite under `mixed` (1 in 50): small,
    /// since a SQLite run takes about 20 times as long as one in memory
    /// (every commit is a transaction synced to disk).
    public static let sqliteShare = 0.02

    /// Parses `mixed`, `memory` or `sqlite`.
    public init?(_ text: String) {
        if text == "mixed" { self = .mixed; return }
        guard let kind = StoreKind(rawValue: text) else { return nil }
        self = .fixed(kind)
    }

    /// The store of the run whose store stream is `random`.
    func kind(random: inout SimRandom) -> StoreKind {
        let sqlite = random.chance(Self.sqliteShare)
        switch self {
        case .fixed(let kind): return kind
        case .mixed: return sqlite ? .sqlite : .memory
        }
    }

    public var description: String {
        switch self {
        case .mixed: "mixed"
        case .fixed(let kind): kind.rawValue
        }
    }
}
