/// What one external edit did to one table: the fields it wrote (nil:
/// NULL; an insert writes every field, those it does not name as NULL), whether it deleted the row, the set elements it added or
/// removed, and when (the edit time lies between `startMillis` and
/// `endMillis`, Unix milliseconds: the capture trigger stamps it in
/// between).
public struct AppliedEdit: Sendable, Hashable {
    public var node: Int
    public var step: Int
    public var key: String
    public var written: [String: String?] = [:]
    public var deleted = false
    public var tagsAdded: [String] = []
    public var tagsRemoved: [String] = []
    /// What the row showed, before the edit, in each field the edit wrote
    /// (nil: NULL, or no row): the value the edit saw and replaced.
    public var before: [String: String?] = [:]
    /// Rows the edit wrote (for the echo count).
    public var rows = 0
    public var startMillis: Int64 = 0
    public var endMillis: Int64 = 0
    /// Made before the nodes started (imported by the backfill, with the
    /// earliest edit time).
    public var initial = false

    public init(node: Int, step: Int, key: String) {
        self.node = node
        self.step = step
        self.key = key
    }

    /// Whether this edit surely happened before `other` (their time
    /// windows do not overlap); otherwise they count as concurrent.
    public func isBefore(_ other: AppliedEdit) -> Bool {
        if initial && !other.initial { return true }
        if initial || other.initial { return false }
        return endMillis < other.startMillis
    }
}
