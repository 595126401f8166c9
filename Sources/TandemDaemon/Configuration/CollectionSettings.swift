/// One `[[collection]]`: how the records of a collection are matched and
/// merged.
///
/// Plain data for the adapters and the sync layer to map; guarantees
/// (checked by ``NodeConfigurationFile``): the name is unique, a fallback
/// match key comes with a match key, set fields are listed once, and every
/// owner is this node's or a peer's name.
public struct CollectionSettings: Hashable, Sendable {
    public var name: String
    /// Records with equal values of this field are one record.
    public var matchKey: String?
    /// Used to match where `matchKey` is empty.
    public var fallbackMatchKey: String?
    /// Fields that are add-wins sets; every other field is last-writer-wins.
    public var sets: [String]
    /// Field → the name of the only node that may write it.
    public var owners: [String: String]

    public init(
        name: String, matchKey: String? = nil, fallbackMatchKey: String? = nil,
        sets: [String] = [], owners: [String: String] = [:]
    ) {
        self.name = name
        self.matchKey = matchKey
        self.fallbackMatchKey = fallbackMatchKey
        self.sets = sets
        self.owners = owners
    }
}
