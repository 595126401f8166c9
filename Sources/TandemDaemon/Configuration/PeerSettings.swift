public import TandemCore

/// One `[[peer]]`: a node this node trusts (it may connect, and its
/// writes are accepted when relayed by others) and, when it has an
/// address, dials.
///
/// Guarantees: the name is unique in the file and differs from the node's,
/// the public key is a valid node id listed once.
public struct PeerSettings: Hashable, Sendable {
    public var name: String
    /// Where the peer listens for the peer protocol; nil for a node reached
    /// only through others (a line or ring: trusted as an origin, not dialled).
    public var address: HostPort?
    /// The peer's node id (its Ed25519 public key, from `tandem keygen`).
    public var publicKey: NodeID
    /// Whether this node takes the peer's reconciled state (`state_source`,
    /// ``SyncConfiguration/stateSources``): digests it may adopt, and the
    /// records a reconciliation or a parity check repairs from.
    public var stateSource: Bool

    public init(name: String, address: HostPort?, publicKey: NodeID, stateSource: Bool = false) {
        self.name = name
        self.address = address
        self.publicKey = publicKey
        self.stateSource = stateSource
    }
}
