import TandemCore
import TandemCrypto
import TandemSync

/// One simulated node: its real key pair, its store, and the real
/// `SyncDriver` running the real `SyncMachine` over that store. A crashed
/// node has no driver; its store is what it committed.
struct SimNode {
    let index: Int
    let keys: NodeKeyPair
    let shell = SimShell()
    /// The node's aimed commit failures (they outlive its crashes).
    let faults: CommitFaults
    /// Its store, wrapped so that injected failures hit the aimed commits.
    var store: any SimulatedStore
    var driver: SyncDriver<ShellBox>?
    /// Wall-clock offset from virtual time, in milliseconds.
    var skew: Int64
    /// Bumped at every crash, so the timers of an earlier life are ignored.
    var incarnation = 0
    /// The plan item of the crash that took the node down.
    var downBy: Int?

    var id: NodeID { keys.nodeID }
    var isUp: Bool { driver != nil }
}

/// One link of the topology and its connection.
struct LinkState {
    let a: Int
    let b: Int
    /// How many active partitions cut the link.
    var cuts = 0
    /// Whether both drivers have an open session over it.
    var connected = false
    /// Bumped at every connect: messages of an earlier connection are lost
    /// with it, as with a closed TCP connection.
    var epoch = 0
    /// The latest arrival time scheduled per direction (a to b, b to a),
    /// for FIFO delivery.
    var lastArrival: [UInt64] = [0, 0]
    /// Messages arrived per direction (a to b, b to a) and not read yet:
    /// a node reads everything that has arrived in one `receive`.
    var inbox: [[[UInt8]]] = [[], []]
}

/// One acknowledged write: the batch its node committed and returned.
struct AcknowledgedWrite {
    var batch: DeltaBatch
    var writer: Int
    var at: UInt64
    /// Its operations, in the order they ran (several for a grouped write).
    var ops: [WorkloadOp]
    /// For each of the write's effects (its operations' effects in order),
    /// the dot of the entry it created (nil for a delete or a set remove,
    /// which create none): a node whose causal context holds the dot has
    /// seen the effect.
    var effectDots: [Dot?]
}
