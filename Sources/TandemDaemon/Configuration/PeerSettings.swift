public import TandemCore

/// One `[[peer]]`: a node this node dials and trusts.
///
/// Guarantees: the name is unique in the file and differs from the node's,
/// the public key is a valid node id listed once.
public struct PeerSettings: Hashable, Sendable {
    public var name: String
    /// Where the peer listens for the peer protocol.
    public var address: HostPort
    /// The peer's node id (its Ed25519 public key, from `tandem keygen`).
    public var publicKey: NodeID
    /// Whether this node takes the peer's reconciled state (`state_source`,
    /// ``SyncConfiguration/stateSources``): digests it may adopt, and the
    /// records a reconciliation or a parity check repairs from.
    public var stateSource: Bool

    public init(name: String, address: HostPort, publicKey: NodeID, stateSource: Bool = false) {
        self.name = name
        self.address = address
        self.publicKey = publicKey
        self.stateSource = stateSource
    }
}
