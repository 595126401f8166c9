public import TandemCore

/// The reference model: a plain, sequential specification of what every
/// node must hold at the end of a run, written from the documented
/// semantics (docs/semantics.md) and independently of the CRDT code. It
/// uses no dots, causal contexts, dot stores or joins; only `Value` and
/// `NodeID` appear, as plain data.
///
/// The model's input is the list of acknowledged writes. Each write knows
/// who made it, its hybrid timestamp, what it did (its effects), and which
/// effects of earlier writes its node had seen when it was made
/// (`observed`). A node can have seen one effect of a write and not
/// another: a later overwrite of one field of a two-field write tells a
/// node about that field's write only. The rules:
///
/// - A write *supersedes* an earlier effect it observed, in the same
///   collection and record, when
///   - it writes the same field (last-writer-wins: observed-overwrite),
///   - it marks the record as existing and the effect did too,
///   - it deletes the record (a delete clears everything it observed of
///     the record, and only that),
///   - it adds or removes the same element of the same set field
///     (add-wins observed-remove set).
/// - Within one write, effects are ordered: a write may group several
///   operations in one batch (as a node's group commit does), each made
///   after the ones before it, so each effect has seen the earlier effects
///   of its write and supersedes them under the rules above (a second write
///   of a field in one batch overwrites the first, a delete after an insert
///   removes it, a remove after an add removes the element). An effect
///   never supersedes a later one of its own write, and all of a write's
///   effects carry its one timestamp.
/// - An effect survives unless some write supersedes it. Unobserved
///   effects are concurrent and always survive: a delete concurrent with
///   an update keeps the update, an add concurrent with a remove keeps the
///   add, concurrent field writes are all kept.
/// - A record exists while any effect on it survives.
/// - A field's value is its surviving write with the greatest (timestamp,
///   writer key bytes); the other surviving writes are its conflicts.
/// - A set field holds the elements with a surviving add.
///
/// Writes that were never acknowledged (failed commits) and forged or
/// garbage input never reach the model: any trace of them on a node is a
/// difference from it.
public struct ReferenceModel: Sendable {
    /// A write's identity: its writer and the writer's batch sequence.
    public struct WriteID: Hashable, Comparable, Sendable, CustomStringConvertible {
        public var writer: Int
        public var sequence: UInt64

        public init(writer: Int, sequence: UInt64) {
            self.writer = writer
            self.sequence = sequence
        }

        public static func < (lhs: WriteID, rhs: WriteID) -> Bool {
            (lhs.writer, lhs.sequence) < (rhs.writer, rhs.sequence)
        }

        public var description: String { "n\(writer)#\(sequence)" }
    }

    /// One effect of a write: the write and the effect's position in it.
    public struct EffectID: Hashable, Sendable, CustomStringConvertible {
        public var write: WriteID
        public var index: Int

        public init(write: WriteID, index: Int) {
            self.write = write
            self.index = index
        }

        public var description: String { "\(write)[\(index)]" }
    }

    /// What a write did to one record.
    public enum Effect: Hashable, Sendable {
        case field(record: String, name: String, value: Value)
        case exists(record: String)
        case erase(record: String)
        case add(record: String, set: String, element: Value)
        case remove(record: String, set: String, element: Value)

        var record: String {
            switch self {
            case .field(let record, _, _), .exists(let record), .erase(let record),
                 .add(let record, _, _), .remove(let record, _, _):
                record
            }
        }

        /// Whether the effect leaves something behind (field value,
        /// existence mark, set element) that later writes may supersede.
        var leavesState: Bool {
            switch self {
            case .field, .exists, .add: true
            case .erase, .remove: false
            }
        }

        /// Whether this effect, made by a write that observed `other` (or
        /// later in the same write), supersedes it.
        func supersedes(_ other: Effect) -> Bool {
            guard record == other.record else { return false }
            switch (self, other) {
            case (.erase, _): return true
            case (.field(_, let name, _), .field(_, let theirs, _)): return name == theirs
            case (.exists, .exists): return true
            case (.add(_, let set, let element), .add(_, let theirSet, let theirElement)),
                 (.remove(_, let set, let element), .add(_, let theirSet, let theirElement)):
                return set == theirSet && element == theirElement
            default: return false
            }
        }
    }

    /// One acknowledged write: one operation's effects, or a group's, in
    /// the order they were made.
    public struct Write: Sendable {
        public var id: WriteID
        /// The writer's public key, for the last-writer tie-break.
        public var writer: NodeID
        /// The write's hybrid timestamp (packed).
        public var timestamp: UInt64
        public var collection: String
        /// What the write did, in order: a later effect has seen the earlier ones.
        public var effects: [Effect]
        /// The effects of earlier writes the writer's node had seen when it
        /// made this one.
        public var observed: Set<EffectID>

        public init(id: WriteID, writer: NodeID, timestamp: UInt64, collection: String, effects: [Effect], observed: Set<EffectID>) {
            self.id = id
            self.writer = writer
            self.timestamp = timestamp
            self.collection = collection
            self.effects = effects
            self.observed = observed
        }

        /// Whether a later effect of this write supersedes its effect at `index`.
        func overwritesWithin(_ index: Int) -> Bool {
            let effect = effects[index]
            return effects[(index + 1)...].contains { $0.supersedes(effect) }
        }
    }

    /// One surviving write of a field.
    public struct FieldVersion: Hashable, Sendable, CustomStringConvertible {
        public var timestamp: UInt64
        public var writer: NodeID
        public var value: Value

        public init(timestamp: UInt64, writer: NodeID, value: Value) {
            self.timestamp = timestamp
            self.writer = writer
            self.value = value
        }

        /// Last-writer order: timestamp, then the writer's key bytes.
        func isLater(than other: FieldVersion) -> Bool {
            if timestamp != other.timestamp { return timestamp > other.timestamp }
            return other.writer.bytes.lexicographicallyPrecedes(writer.bytes)
        }

        public var description: String { "\(value)@\(timestamp >> 16).\(timestamp & 0xffff)/\(writer)" }
    }

    /// A field: its value and every surviving write (the winner first).
    public struct Field: Hashable, Sendable, CustomStringConvertible {
        public var value: Value
        public var versions: [FieldVersion]

        /// A field from its surviving writes (at least one).
        public init?(versions: [FieldVersion]) {
            let ordered = versions.sorted { $0.isLater(than: $1) }
            guard let winner = ordered.first else { return nil }
            value = winner.value
            self.versions = ordered
        }

        public var description: String {
            versions.count == 1 ? "\(value)" : "\(value) (conflicts: \(versions.dropFirst().map(\.description).joined(separator: ", ")))"
        }
    }

    /// What one record must be.
    public struct Record: Hashable, Sendable {
        public var fields: [String: Field] = [:]
        public var sets: [String: Set<Value>] = [:]

        public init(fields: [String: Field] = [:], sets: [String: Set<Value>] = [:]) {
            self.fields = fields
            self.sets = sets
        }
    }

    /// Expected live records, by collection then record id.
    public typealias State = [String: [String: Record]]

    public private(set) var writes: [Write] = []

    public init() {}

    /// Adds an acknowledged write.
    public mutating func record(_ write: Write) {
        writes.append(write)
    }

    /// The state every node must hold once it has every write.
    public func expectedState() -> State {
        // For each effect, the writes that observed it (its possible superseders).
        var observers: [EffectID: [Write]] = [:]
        for write in writes {
            for seen in write.observed { observers[seen, default: []].append(write) }
        }
        var versions: [String: [String: [String: [FieldVersion]]]] = [:]
        var elements: [String: [String: [String: Set<Value>]]] = [:]
        var live: [String: Set<String>] = [:]
        for write in writes {
            for (index, effect) in write.effects.enumerated() where effect.leavesState {
                // By a later effect of the same write, or by a write that observed it.
                let superseded = write.overwritesWithin(index) || (observers[EffectID(write: write.id, index: index)] ?? []).contains { later in
                    later.collection == write.collection && later.effects.contains { $0.supersedes(effect) }
                }
                if superseded { continue }
                live[write.collection, default: []].insert(effect.record)
                switch effect {
                case .field(let record, let name, let value):
                    versions[write.collection, default: [:]][record, default: [:]][name, default: []]
                        .append(FieldVersion(timestamp: write.timestamp, writer: write.writer, value: value))
                case .add(let record, let set, let element):
                    elements[write.collection, default: [:]][record, default: [:]][set, default: []].insert(element)
                default:
                    break
                }
            }
        }
        var state: State = [:]
        for (collection, records) in live {
            for record in records {
                var expected = Record()
                for (name, list) in versions[collection]?[record] ?? [:] {
                    expected.fields[name] = Field(versions: list)
                }
                expected.sets = elements[collection]?[record] ?? [:]
                state[collection, default: [:]][record] = expected
            }
        }
        return state
    }
}
