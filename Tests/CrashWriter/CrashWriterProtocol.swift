public import TandemCore

/// What the crash writer and the crash test (TandemStoreTests) agree on:
/// the nodes a node-seed byte stands for, the collection written, the
/// adapter cursor and the lines printed on standard output.
///
/// Output lines:
/// - `open`: printed just before the store is opened (or created), so a
///   kill can land while it is;
/// - `ack <sequence>`: a local batch of the writer's node, printed only
///   after `commitLocal` returned;
/// - `ack-remote <sequence>`: a batch of the fake remote origin, printed
///   only after `commitRemote` returned.
public enum CrashWriterProtocol {
    /// The collection every change goes to.
    public static let collection = "items"
    /// The adapter whose cursor every local commit sets to the batch's
    /// sequence (8 bytes, big-endian), so cursor and batch can be checked to
    /// commit together.
    public static let adapter = "crash-writer"
    /// The number of distinct record ids written.
    public static let recordCount = 50
    /// The signature put on every batch: the store does not verify it.
    public static let signature = [UInt8](repeating: 0x5A, count: 64)

    /// The writer's own node for a node-seed byte.
    public static func localNode(_ byte: UInt8) -> NodeID {
        let word = UInt64(byte) &* 0x0101_0101_0101_0101
        return NodeID(words: word, word, word, 1)
    }

    /// The fake second origin whose batches the writer commits as remote.
    public static func remoteNode(_ byte: UInt8) -> NodeID {
        let word = UInt64(byte) &* 0x0101_0101_0101_0101
        return NodeID(words: word, word, word, 2)
    }

    /// The cursor committed with local batch `sequence`.
    public static func cursor(forSequence sequence: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: sequence >> (56 - 8 * UInt64($0))) }
    }
}
