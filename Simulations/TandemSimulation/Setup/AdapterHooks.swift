public import TandemAdapterCore

/// Where tests plug deliberately broken adapters into a run (see
/// `SimulationHooks.adapter`); production runs use `AdapterHooks.production`.
public struct AdapterHooks: Sendable {
    /// The mapping node `index`'s adapter uses, given the simulator's.
    public var mapping: @Sendable (_ index: Int, _ mapping: AdapterMapping) -> AdapterMapping
    /// Whether the tables' capture ignores the adapter's marker, so its own
    /// writes come back as edits (echo).
    public var tablesCaptureOwnWrites: Bool
    /// Whether the adapter prunes captured changes from the outbox before
    /// the commit that captures them succeeded.
    public var acknowledgesBeforeCommit: Bool
    /// Whether the adapter sweeps every record when it starts (so records
    /// that changed while it could not write reach the table). The
    /// simulator's adapter does; `AdapterRunner` does not yet (see
    /// docs/simulation.md, "Adapters").
    public var sweepsAtStart: Bool

    public init(
        mapping: @escaping @Sendable (_ index: Int, _ mapping: AdapterMapping) -> AdapterMapping = { _, mapping in mapping },
        tablesCaptureOwnWrites: Bool = false, acknowledgesBeforeCommit: Bool = false, sweepsAtStart: Bool = true
    ) {
        self.sweepsAtStart = sweepsAtStart
        self.mapping = mapping
        self.tablesCaptureOwnWrites = tablesCaptureOwnWrites
        self.acknowledgesBeforeCommit = acknowledgesBeforeCommit
    }

    /// The real adapter: the simulator's mapping, marked writes, capture
    /// acknowledged after its commit.
    public static let production = AdapterHooks()
}
