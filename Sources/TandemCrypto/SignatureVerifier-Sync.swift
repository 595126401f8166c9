public import TandemCore

/// The two checks the sync driver is handed, written once for the node and
/// the simulator.
extension SignatureVerifier {
    /// Whether `batch` carries its origin's signature.
    public static func verify(_ batch: DeltaBatch) -> Bool {
        verify(signature: batch.signature, message: batch.signingBytes, signer: batch.origin)
    }

    /// Whether a reconciliation records chunk carries the signature of
    /// `peer`, who sent it.
    public static func verify(_ chunk: RecordsChunk, from peer: NodeID) -> Bool {
        verify(signature: chunk.signature, message: chunk.signingBytes, signer: peer)
    }
}
