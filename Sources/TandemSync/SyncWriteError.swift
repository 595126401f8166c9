import TandemCore

/// Why `SyncDriver.write` refused a local change before committing it.
/// Nothing was written: the store and the protocol state are as before.
public enum SyncWriteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The change's batch would take `bytes` in a sync message, more than
    /// the `limit` one message may take (the transport's frame payload
    /// limit). Split the change into smaller ones.
    case batchTooLarge(collection: String, bytes: Int, limit: Int)
    /// The change writes a field another node owns
    /// (`SyncConfiguration.fieldOwners`): every peer would refuse it.
    case notOwner(FieldOwnershipViolation)

    public var description: String {
        switch self {
        case .batchTooLarge(let collection, let bytes, let limit):
            "change to collection \(collection) refused: its batch would take \(bytes) bytes, "
                + "more than the \(limit) bytes one sync message may carry; split it into smaller changes"
        case .notOwner(let violation): "change refused: \(violation)"
        }
    }
}
