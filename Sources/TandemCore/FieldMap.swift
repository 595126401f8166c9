/// A record's last-writer-wins fields: a register per field name, held in
/// one array sorted by name (Swift's `String` order, so names equal under
/// Unicode canonical equivalence are one field, as in a `Dictionary`).
///
/// It is the dot map of `DotMap<String, RegisterStore>` with the same join
/// (each name's registers joined under the two contexts; a name whose
/// register ends up empty is dropped), kept as a sorted array because a
/// record has few fields and is read far more often than it gains one:
/// - the encoder walks a record's fields in name order without hashing or
///   sorting them;
/// - a join walks the two sorted arrays side by side;
/// - the fields of a record are one allocation, next to each other in memory.
///
/// Guarantees: names are unique and strictly increasing; no register is
/// empty. Looking a name up is a binary search; adding one new name moves
/// the fields after it (O(n) in the record's fields: records have tens or
/// hundreds of fields, not millions); a join is O(n + m).
public struct FieldMap: DotStore, Hashable, RandomAccessCollection {
    /// One field: its name and its register.
    @usableFromInline
    struct Field: Hashable, Sendable {
        @usableFromInline let name: String
        @usableFromInline var register: RegisterStore

        @usableFromInline
        init(name: String, register: RegisterStore) {
            self.name = name
            self.register = register
        }
    }

    /// The fields, sorted by name, none empty.
    @usableFromInline
    private(set) var fields: [Field]

    public init() { fields = [] }

    /// A map holding `registers`; empty registers are dropped.
    public init(_ registers: [String: RegisterStore]) {
        fields = registers.compactMap { $0.value.isEmpty ? nil : Field(name: $0.key, register: $0.value) }
        fields.sort { $0.name < $1.name }
    }

    /// A map from fields already sorted by unique name, none empty (the
    /// callers have checked that).
    init(sortedUnique fields: [Field]) { self.fields = fields }

    /// A map from fields in any order, none empty; of fields with equal
    /// names, the last one given is kept. One allocation when the names
    /// come sorted and unique.
    init(lastWins fields: [Field]) {
        if zip(fields, fields.dropFirst()).allSatisfy({ $0.name < $1.name }) {
            self.fields = fields
            return
        }
        // Stable: equal names keep their order, so the last is the one given last.
        let sorted = fields.indices.sorted { fields[$0].name < fields[$1].name || (fields[$0].name == fields[$1].name && $0 < $1) }
        var unique: [Field] = []
        unique.reserveCapacity(fields.count)
        for index in sorted {
            if let last = unique.last, last.name == fields[index].name {
                unique[unique.count - 1] = fields[index]
            } else {
                unique.append(fields[index])
            }
        }
        self.fields = unique
    }

    // MARK: Collection

    public typealias Element = (name: String, register: RegisterStore)

    public var startIndex: Int { 0 }
    public var endIndex: Int { fields.count }

    public subscript(position: Int) -> (name: String, register: RegisterStore) {
        (fields[position].name, fields[position].register)
    }

    @inlinable
    public var isEmpty: Bool { fields.isEmpty }

    // MARK: Lookup and update

    /// The position of `name`, or where it would be inserted.
    @usableFromInline
    func search(_ name: String) -> (position: Int, found: Bool) {
        var low = 0
        var high = fields.count
        while low < high {
            let middle = (low + high) / 2
            if fields[middle].name < name { low = middle + 1 } else { high = middle }
        }
        return (low, low < fields.count && fields[low].name == name)
    }

    /// The register of field `name`: `nil` if the record has no such field.
    /// Setting it adds, replaces or (with `nil` or an empty register)
    /// removes the field.
    public subscript(name: String) -> RegisterStore? {
        get {
            let (position, found) = search(name)
            return found ? fields[position].register : nil
        }
        set {
            let (position, found) = search(name)
            switch (newValue, found) {
            case (let register?, true) where !register.isEmpty: fields[position].register = register
            case (let register?, false) where !register.isEmpty:
                fields.insert(Field(name: name, register: register), at: position)
            case (_, true): fields.remove(at: position)
            case (_, false): break
            }
        }
    }

    /// The field names, sorted.
    public var names: [String] { fields.map(\.name) }

    /// The registers, in name order.
    public var registers: some Collection<RegisterStore> { fields.lazy.map(\.register) }

    /// Calls `body` with each register in name order, borrowed (no copy of
    /// the array of fields).
    @inline(__always)
    func withFields<R>(_ body: (UnsafeBufferPointer<Field>) -> R) -> R {
        fields.withUnsafeBufferPointer(body)
    }

    // MARK: DotStore

    public func forEachDot(_ body: (Dot) -> Void) {
        for field in fields { field.register.forEachDot(body) }
    }

    public mutating func join(_ other: FieldMap, selfContext: CausalContext, otherContext: CausalContext) {
        join(other, selfSeen: selfContext, otherSeen: otherContext) { _, _ in }
    }

    /// The join, over any dot membership, calling `changed(old, new)` for
    /// each register the join changed (an absent register is empty).
    ///
    /// Walks the two sorted arrays side by side. The fields are rewritten in
    /// place while the set of names stays the same; a new array is built
    /// only from the first name added or removed.
    @inline(__always)
    mutating func join<Membership: DotMembership>(
        _ other: FieldMap, selfSeen selfContext: Membership, otherSeen otherContext: Membership,
        changed: (RegisterStore, RegisterStore) -> Void
    ) {
        if other.fields.isEmpty && (otherContext.isEmpty || fields.isEmpty) { return }
        if fields.isEmpty && selfContext.isEmpty {
            // Only additions, none of which this side has seen: take theirs.
            fields = other.fields
            for field in fields { changed(RegisterStore(), field.register) }
            return
        }
        var rebuilt: [Field]? = nil
        var i = 0
        var j = 0
        let theirs = other.fields
        while i < fields.count || j < theirs.count {
            let order: Int
            if j == theirs.count { order = -1 }
            else if i == fields.count { order = 1 }
            else if fields[i].name == theirs[j].name { order = 0 }
            else { order = fields[i].name < theirs[j].name ? -1 : 1 }
            var register: RegisterStore
            let name: String
            let before: RegisterStore
            switch order {
            case 0:
                before = fields[i].register
                register = before
                register.join(theirs[j].register, selfSeen: selfContext, otherSeen: otherContext)
                name = fields[i].name
                i += 1
                j += 1
            case -1:
                before = fields[i].register
                register = before
                register.join(RegisterStore(), selfSeen: selfContext, otherSeen: otherContext)
                name = fields[i].name
                i += 1
            default:
                before = RegisterStore()
                register = RegisterStore()
                register.join(theirs[j].register, selfSeen: selfContext, otherSeen: otherContext)
                name = theirs[j].name
                j += 1
            }
            let didChange = register != before
            if didChange { changed(before, register) }
            if rebuilt == nil {
                // Their field, all of whose entries this side has seen: nothing to add.
                if order == 1 && register.isEmpty { continue }
                // In place while every name so far stays, with nothing added;
                // an unchanged register is not written back (the array may be
                // shared with another collection, and a write would copy it).
                if order != 1 && !register.isEmpty {
                    if didChange { fields[i - 1].register = register }
                    continue
                }
                var copy: [Field] = []
                copy.reserveCapacity(fields.count + theirs.count - j)
                copy.append(contentsOf: fields[..<(order == 1 ? i : i - 1)])
                rebuilt = copy
            }
            if !register.isEmpty { rebuilt?.append(Field(name: name, register: register)) }
        }
        if let rebuilt { fields = rebuilt }
    }
}
