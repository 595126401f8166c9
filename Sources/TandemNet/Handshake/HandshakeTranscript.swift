import TandemCrypto

/// What each side signs: a BLAKE2b-256 hash binding both hellos, prefixed
/// with a label naming the signer's role.
///
/// ```
/// th          = BLAKE2b-256("tandem/transport/v1/transcript" || ClientHello || ServerHelloCore)
/// server signs "tandem/transport/v1/server-signature" || th
/// client signs "tandem/transport/v1/client-signature" || th
/// ```
/// `ClientHello` is its 98-byte body, `ServerHelloCore` the first 98 bytes
/// of the ServerHello body (everything but the signature).
///
/// Guarantees: both sides compute the same hash from the same two hellos;
/// any change to any byte of either hello (node ids, challenges, ephemeral
/// keys, versions) changes it; the role labels differ, so a server's
/// signature can never be replayed as a client's Finish or the reverse.
enum HandshakeTranscript {
    static let transcriptLabel = Array("tandem/transport/v1/transcript".utf8)
    static let serverLabel = Array("tandem/transport/v1/server-signature".utf8)
    static let clientLabel = Array("tandem/transport/v1/client-signature".utf8)

    /// The transcript hash of a handshake.
    static func hash(clientHello: Hello, serverHello: Hello) throws(TransportError) -> [UInt8] {
        let input = transcriptLabel + clientHello.bytes(type: .clientHello) + serverHello.bytes(type: .serverHello)
        do {
            return try GenericHash.hash(input)
        } catch {
            throw TransportError.cryptoUnavailable(reason: "\(error)", peer: .unknown)
        }
    }

    /// The bytes the server signs.
    static func serverSigned(_ hash: [UInt8]) -> [UInt8] { serverLabel + hash }

    /// The bytes the client signs.
    static func clientSigned(_ hash: [UInt8]) -> [UInt8] { clientLabel + hash }
}
