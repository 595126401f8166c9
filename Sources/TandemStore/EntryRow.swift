public import TandemCore

/// One stored entry of a record, keyed by its dot: the relational shape of
/// a `RecordStore`, one row per presence dot, field write or set-element dot.
public struct EntryRow: Hashable, Sendable {
    /// What the entry is.
    public enum Kind: Int64, Hashable, Sendable {
        case presence = 0
        case field = 1
        case element = 2
    }

    public var dot: Dot
    public var kind: Kind
    /// The field or set name (nil for presence).
    public var name: String?
    /// The set element (element rows only).
    public var element: Value?
    /// The write's timestamp (field rows only).
    public var timestamp: HLCTimestamp?
    /// The written value (field rows only).
    public var value: Value?

    public init(dot: Dot, kind: Kind, name: String? = nil, element: Value? = nil, timestamp: HLCTimestamp? = nil, value: Value? = nil) {
        self.dot = dot
        self.kind = kind
        self.name = name
        self.element = element
        self.timestamp = timestamp
        self.value = value
    }
}

/// A row that does not describe a valid entry.
public struct MalformedEntryRow: Error, Hashable, Sendable, CustomStringConvertible {
    public var dot: Dot
    public var reason: String
    public var description: String { "entry \(dot): \(reason)" }
}

extension RecordStore {
    /// The record's entries as rows, sorted by dot.
    public var rows: [EntryRow] {
        var rows: [EntryRow] = []
        for dot in presence.elements { rows.append(EntryRow(dot: dot, kind: .presence)) }
        for (name, register) in fields {
            for entry in register.entries {
                rows.append(EntryRow(dot: entry.dot, kind: .field, name: name, timestamp: entry.timestamp, value: entry.value))
            }
        }
        for (name, set) in sets.entries {
            for (element, dots) in set.entries {
                for dot in dots.elements { rows.append(EntryRow(dot: dot, kind: .element, name: name, element: element)) }
            }
        }
        return rows.sorted { $0.dot < $1.dot }
    }

    /// Rebuilds a record from its rows.
    ///
    /// - Throws: `MalformedEntryRow` when a row lacks what its kind needs.
    public init(rows: [EntryRow]) throws(MalformedEntryRow) {
        var presence: [Dot] = []
        var fields: [String: [RegisterEntry]] = [:]
        var sets: [String: [Value: [Dot]]] = [:]
        for row in rows {
            switch row.kind {
            case .presence:
                presence.append(row.dot)
            case .field:
                guard let name = row.name, let timestamp = row.timestamp, let value = row.value else {
                    throw MalformedEntryRow(dot: row.dot, reason: "field entry without name, timestamp or value")
                }
                fields[name, default: []].append(RegisterEntry(dot: row.dot, timestamp: timestamp, value: value))
            case .element:
                guard let name = row.name, let element = row.element else {
                    throw MalformedEntryRow(dot: row.dot, reason: "set entry without name or element")
                }
                sets[name, default: [:]][element, default: []].append(row.dot)
            }
        }
        self.init(
            presence: DotSet(presence),
            fields: FieldMap(fields.mapValues { RegisterStore(trusted: $0) }),
            sets: DotMap(sets.mapValues { DotMap($0.mapValues { DotSet($0) }) }))
    }
}
