import TandemCore
import TandemCrypto

/// The result of a completed handshake: who the peer proved to be and the
/// keys for each direction.
///
/// Guarantees: `peer` signed the transcript hash `transcriptHash`, which
/// binds both hellos; `keys` come from crypto_kx over the two ephemeral keys
/// in those hellos, in this side's role, so the peer derived the crossed pair.
struct HandshakeOutcome: Sendable, Equatable {
    /// The authenticated peer.
    var peer: NodeID
    /// The session keys of this side.
    var keys: SessionKeys
    /// The transcript hash both sides signed.
    var transcriptHash: [UInt8]
}

/// The user event the handshake handler sends to the session handler when
/// the handshake completes. Internal to the pipeline: the session handler
/// consumes it and fires ``PeerAuthenticated`` instead.
struct HandshakeCompleted {
    var outcome: HandshakeOutcome
}
