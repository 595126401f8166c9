public import TandemCore

/// Which topology a run uses: one kind for every seed, or a kind drawn per
/// seed (`mixed`: line, ring, mesh or random; a pair for two nodes).
public enum TopologyChoice: Hashable, Sendable, CustomStringConvertible {
    case mixed
    case fixed(TopologyKind)

    /// Parses `mixed` or a topology name.
    public init?(_ text: String) {
        if text == "mixed" { self = .mixed; return }
        guard let kind = TopologyKind(rawValue: text) else { return nil }
        self = .fixed(kind)
    }

    public var description: String {
        switch self {
        case .mixed: "mixed"
        case .fixed(let kind): kind.rawValue
        }
    }
}

/// Everything that shapes a run except its seed.
public struct SimulationConfig: Hashable, Sendable {
    /// Simulated nodes, 2 to 100.
    public var nodeCount: Int
    public var topology: TopologyChoice
    public var faults: Set<FaultKind>
    /// How many local writes a run makes (drawn per seed).
    public var writes: ClosedRange<Int>
    /// Records per collection: few, so writes collide.
    public var recordsPerCollection: Int
    /// Writes and faults happen in `0..<faultPhaseMillis` of virtual time;
    /// every fault has ended by its end (the last heal).
    public var faultPhaseMillis: UInt64
    /// The sync machine's anti-entropy period (smaller than a real node's
    /// default, so a run covers many rounds in little virtual time).
    public var summaryIntervalMillis: UInt64
    /// The sync machine's resend period.
    public var resendAfterMillis: UInt64
    /// Batches per message and per peer between two of its summaries:
    /// smaller than a real node's defaults, so runs exercise back-pressure.
    public var maxBatchesPerMessage: Int
    public var maxInFlightBatchesPerPeer: Int
    /// The hybrid clock's drift bound.
    public var maxClockOffsetMillis: UInt64
    /// How long a run goes on after it has converged, to show it stays so.
    public var quietMillis: UInt64
    /// Whether to record a trace of the run's events.
    public var trace: Bool
    /// The store the nodes run on (`mixed`: SQLite for a share of seeds).
    public var store: StoreChoice

    public init(
        nodeCount: Int = 5, topology: TopologyChoice = .mixed, faults: Set<FaultKind> = FaultKind.standard,
        writes: ClosedRange<Int> = 20...60, recordsPerCollection: Int = 5, faultPhaseMillis: UInt64 = 8_000,
        summaryIntervalMillis: UInt64 = 200, resendAfterMillis: UInt64 = 1_000,
        maxBatchesPerMessage: Int = 4, maxInFlightBatchesPerPeer: Int = 16,
        maxClockOffsetMillis: UInt64 = HybridLogicalClock.defaultMaxOffsetMillis, quietMillis: UInt64 = 1_000,
        trace: Bool = false, store: StoreChoice = .mixed
    ) {
        self.nodeCount = nodeCount
        self.topology = topology
        self.faults = faults
        self.writes = writes
        self.recordsPerCollection = recordsPerCollection
        self.faultPhaseMillis = faultPhaseMillis
        self.summaryIntervalMillis = summaryIntervalMillis
        self.resendAfterMillis = resendAfterMillis
        self.maxBatchesPerMessage = maxBatchesPerMessage
        self.maxInFlightBatchesPerPeer = maxInFlightBatchesPerPeer
        self.maxClockOffsetMillis = maxClockOffsetMillis
        self.quietMillis = quietMillis
        self.trace = trace
        self.store = store
    }

    /// Why the configuration cannot run, or nil.
    public var problem: String? {
        if nodeCount < 2 || nodeCount > 100 { return "--nodes must be between 2 and 100 (got \(nodeCount))" }
        if case .fixed(.pair) = topology, nodeCount != 2 { return "the pair topology has exactly 2 nodes" }
        if writes.lowerBound < 1 { return "a run needs at least one write" }
        if faultPhaseMillis < 1_000 { return "the fault phase must last at least 1000 ms" }
        if recordsPerCollection < 1 { return "a collection needs at least one record" }
        if maxBatchesPerMessage < 1 || maxInFlightBatchesPerPeer < 1 { return "batch limits must be positive" }
        if summaryIntervalMillis < 10 || resendAfterMillis < summaryIntervalMillis {
            return "the summary interval must be at least 10 ms and the resend period at least the summary interval"
        }
        return nil
    }

    /// The topology kind of the run of `seed`.
    func topologyKind(random: inout SimRandom) -> TopologyKind {
        if nodeCount == 2 { return .pair }
        switch topology {
        case .fixed(let kind): return kind
        case .mixed: return random.pick([TopologyKind.line, .ring, .mesh, .random]) ?? .mesh
        }
    }

    /// One line naming the configuration, for reports.
    public var summaryLine: String {
        "\(nodeCount) nodes, topology \(topology), faults \(FaultKind.describe(faults)), \(writes.lowerBound)-\(writes.upperBound) writes per run to \(recordsPerCollection) records per collection, summaries every \(summaryIntervalMillis) ms, resend after \(resendAfterMillis) ms, store \(store)"
    }
}
