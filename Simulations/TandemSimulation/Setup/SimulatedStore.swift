public import TandemCore
public import TandemStore
public import TandemSync

/// A store the simulator can crash: what a node's durable state must offer
/// beyond `ReplicaStore`. `InMemoryStore` and `SQLiteSimulatedStore` (a
/// `SQLiteStore`) are the production ones; tests wrap them in deliberately
/// broken variants.
public protocol SimulatedStore: ReplicaStore {
    /// The store a node finds when it restarts after a crash: exactly what
    /// was committed, nothing else.
    func crashed() -> any SimulatedStore
    /// Makes the next commit fail part-way, leaving nothing of it behind.
    func armCommitFailure()
    /// Closes the store at the end of the run (before its directory is
    /// removed); a store in memory has nothing to close.
    func shutDown()
}

extension SimulatedStore {
    public func shutDown() {}
}

extension InMemoryStore: SimulatedStore {
    public func crashed() -> any SimulatedStore { restartedAfterCrash() }
    public func armCommitFailure() { failNextCommit() }
}

/// The points where tests plug deliberately broken variants into a run:
/// the store each node gets and the shell each driver talks through.
/// Production runs use `SimulationHooks.production`.
public struct SimulationHooks: Sendable {
    /// The empty store of node `index`: in memory, or (for a run on SQLite)
    /// a `SQLiteStore` in the data directory `directory`.
    public var makeStore: @Sendable (_ index: Int, _ node: NodeID, _ directory: String?) -> any SimulatedStore
    /// The shell a node's driver uses, given the simulator's own shell.
    public var wrapShell: @Sendable (_ index: Int, _ node: NodeID, _ shell: any SyncShell) -> any SyncShell
    /// The adapters' variants.
    public var adapter: AdapterHooks
    /// The rule runner's variants.
    public var rules: RuleHooks

    public init(
        makeStore: @escaping @Sendable (_ index: Int, _ node: NodeID, _ directory: String?) -> any SimulatedStore,
        wrapShell: @escaping @Sendable (_ index: Int, _ node: NodeID, _ shell: any SyncShell) -> any SyncShell,
        adapter: AdapterHooks = .production, rules: RuleHooks = .production
    ) {
        self.makeStore = makeStore
        self.wrapShell = wrapShell
        self.adapter = adapter
        self.rules = rules
    }

    /// Real stores, real shells: what every `tandem-sim` run uses.
    public static let production = SimulationHooks(
        makeStore: { _, node, directory -> any SimulatedStore in
            guard let directory else { return InMemoryStore(node: node) }
            return SQLiteSimulatedStore(directory: directory, node: node)
        },
        wrapShell: { _, _, shell in shell })
}
