/// What happens at one moment of a plan.
public enum PlanAction: Hashable, Sendable {
    /// Node `node` makes local changes to one collection: one operation, or
    /// a group of 2 to 4 committed as one batch, as a node's group commit
    /// does (`NodeCore.commit`: one `SyncDriver.write` whose closure runs
    /// each operation in turn with the batch's timestamp).
    case write(node: Int, ops: [WorkloadOp])
    /// The links `links` (indices into the topology) go down until `until`.
    case cut(links: [Int], until: UInt64, shape: String)
    /// Node `node` crashes and restarts at `restartAt` from its durable
    /// state, with wall-clock skew `restartSkew` (nil: unchanged).
    case crash(node: Int, restartAt: UInt64, restartSkew: Int64?)
    /// The next commit of kind `kind` on node `node` fails part-way
    /// (nothing of it stays).
    case failCommit(node: Int, kind: CommitKind)
    /// A malicious peer connects to `target` and sends one message of each
    /// kind in `kinds`.
    case attack(target: Int, kinds: [AttackKind])
    /// Node `node`'s wall clock is stepped (as NTP does) to skew `skew`.
    case clockStep(node: Int, skew: Int64)
    /// Node `node` compacts its delta log for all its peers.
    case compact(node: Int)
    /// Another program edits node `node`'s external table.
    case external(node: Int, edit: ExternalEdit)
    /// Node `node`'s table refuses names longer than `maxLength` (a CHECK
    /// constraint: the adapter's writes of such values are poison) until `until`.
    case refuseWrites(node: Int, maxLength: Int, until: UInt64)
    /// A mapped column of node `node`'s table is dropped, and restored
    /// (empty) at `until`: schema drift.
    case dropColumn(node: Int, field: String, until: UInt64)
    /// Another program deletes most rows of node `node`'s table at once; an
    /// operator approves (or rejects) the held deletes at `decideAt`.
    case massDelete(node: Int, approve: Bool, decideAt: UInt64)
    /// Node `node`'s adapter stops capturing (its outbox reads fail) until
    /// the node restarts at `restartAt`, which recaptures from the outbox.
    case loseCaptures(node: Int, restartAt: UInt64)
}

/// One scheduled step of a run. `id` is stable for a seed whatever the
/// fault set, so a shrunk plan is named by the ids it keeps.
public struct PlanItem: Hashable, Sendable {
    public var id: Int
    /// Virtual milliseconds from the start of the run.
    public var at: UInt64
    public var action: PlanAction
    /// The fault class the item belongs to (nil for writes).
    public var fault: FaultKind?
    /// Whether the item happens after the last heal, while the nodes
    /// converge (a late fault: an aimed commit failure or a compaction).
    public var late = false

    /// When the item's effect ends (a partition heals, a node restarts).
    public var end: UInt64 {
        switch action {
        case .cut(_, let until, _): until
        case .crash(_, let restartAt, _): restartAt
        case .refuseWrites(_, _, let until), .dropColumn(_, _, let until): until
        case .massDelete(_, _, let decideAt): decideAt
        case .loseCaptures(_, let restartAt): restartAt
        default: at
        }
    }
}

/// Message-level faults, applied while the fault phase lasts.
public struct NetworkFaults: Hashable, Sendable {
    /// Probability that a message is lost.
    public var loss: Double = 0
    /// Probability that a message is delivered twice.
    public var duplication: Double = 0
    /// Extra random delay (0 to this) without FIFO order; 0 keeps FIFO.
    public var reorderJitterMillis: UInt64 = 0
    /// Probability that a message is held up by `longDelay`.
    public var delayProbability: Double = 0
    public var longDelay: ClosedRange<UInt64> = 100...1_500
    /// Every message's ordinary latency.
    public var baseDelay: ClosedRange<UInt64> = 1...15
    /// How long a node takes to read what arrived (drawn per seed, 0 to 3
    /// ms, not a fault): messages arriving meanwhile on the same link are
    /// read together, in one `receive`, as from one socket read.
    public var readDelayMillis: UInt64 = 0
}

/// A run's complete schedule, derived from its seed: topology, clock
/// skews, message faults and every write and fault event.
public struct Plan: Hashable, Sendable {
    public var seed: UInt64
    public var topology: Topology
    /// Each node's wall-clock offset from virtual time, in milliseconds.
    public var skews: [Int64]
    /// Items in time order (ties by id).
    public var items: [PlanItem]
    public var network: NetworkFaults
    /// The fault classes this plan was filtered to.
    public var faults: Set<FaultKind>
    /// Whether every clock runs in lockstep (skew 0, no steps), so that
    /// concurrent writes tie on timestamp (a share of seeds, even with `skew`).
    public var lockstepClocks: Bool

    /// The store every node of the run uses.
    public var store: StoreKind

    /// Each node's external system's clock offset from virtual time: never
    /// ahead of any skew its node has during the run, so an edit time is
    /// older than the capturing node's clock (the clamp of edit times ahead
    /// of the node is covered by the adapter core's unit tests).
    public var systemSkews: [Int64]
    /// How long each node's adapter takes to notice a captured change.
    public var captureDelays: [UInt64]

    /// How long message faults (and the late items) go on after the last
    /// heal: 0 for most seeds, 1 to 3 s for a share of them.
    public var lateFaultMillis: UInt64

    /// The moment of the last heal: every partition, crash, clock step,
    /// attack and write has happened by then. Convergence is timed from here.
    public var healAt: UInt64 { items.filter { !$0.late }.map(\.end).max() ?? 0 }

    /// When the last faults end: message faults, aimed commit failures and
    /// compactions may go on into the convergence phase until then.
    public var faultsEndAt: UInt64 { healAt + lateFaultMillis }

    /// The number of local operations planned (a group counts each of its
    /// operations).
    public var writeCount: Int {
        items.reduce(0) { count, item in
            if case .write(_, let ops) = item.action { return count + ops.count }
            return count
        }
    }

    /// The number of edits other programs make to the external tables.
    public var externalEditCount: Int {
        items.reduce(0) { count, item in
            if case .external = item.action { return count + 1 }
            return count
        }
    }

    /// The number of planned writes that group several operations in one batch.
    public var groupedWriteCount: Int {
        items.reduce(0) { count, item in
            if case .write(_, let ops) = item.action, ops.count > 1 { return count + 1 }
            return count
        }
    }

    /// Every skew a node may have during the run (initial, on restart, after a step).
    public var allSkews: [Int64] {
        var result = skews
        for item in items {
            if case .crash(_, _, let skew?) = item.action { result.append(skew) }
            if case .clockStep(_, let skew) = item.action { result.append(skew) }
        }
        return result
    }
}
