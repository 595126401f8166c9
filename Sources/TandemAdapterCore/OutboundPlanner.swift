import TandemCore

/// One write the adapter makes to its external table, decided by
/// `OutboundPlanner` and run by the driver (marked, so capture ignores it).
public enum ExternalWrite: Hashable, Sendable {
    /// A new row for `record`. `key` is the primary key to use, or nil to let
    /// the table assign one (the driver reports it).
    case insert(record: String, key: String?, columns: [String: ExternalValue])
    /// Set `columns` of row `key`.
    case update(record: String, key: String, columns: [String: ExternalValue])
    /// Delete row `key` (the driver reports its last values for the audit log).
    case delete(record: String, key: String)

    public var record: String {
        switch self {
        case .insert(let record, _, _), .update(let record, _, _), .delete(let record, _): record
        }
    }
}

/// The adapter core's outbound decisions (pure): what to write to the
/// external table so a row shows its record's CRDT state.
///
/// Only fields whose direction writes are compared and written; every
/// unmapped column is left alone. A field the record does not hold is left
/// out of an inserted row (it gets the column's default) and is NULL in an
/// existing one, except the match key the record's id was derived from
/// (`RecordIdentity.shownKey`). Values are compared in
/// canonical form, so a row already equal to the record needs no write.
public enum OutboundPlanner {
    /// The write that makes row `row` (nil: no row; `key` is the row's
    /// known primary key, if any) show `record` (nil: the record does not
    /// exist), or nil when none is needed.
    ///
    /// - Throws: `ConversionError` when a CRDT value does not fit its
    ///   column: the record waits in the retry queue until it changes.
    public static func write(
        record id: String, snapshot: RecordSnapshot?, key: String?, row: ExternalRow?,
        mapping: AdapterMapping, schema: TableSchema
    ) throws(ConversionError) -> ExternalWrite? {
        guard let snapshot else {
            guard let row else { return nil }
            return .delete(record: id, key: row.key)
        }
        var columns: [String: ExternalValue] = [:]
        for binding in mapping.fields where binding.direction.writes {
            guard let type = schema.columns[binding.column] else { continue }
            let current = row?.columns[binding.column]
            if binding.isSet {
                let elements = snapshot.sets[binding.field] ?? []
                if let current, let held = try? ValueConversion.elements(current, column: binding.column, type: type),
                   held == elements { continue }
                if row == nil && elements.isEmpty { continue }
                columns[binding.column] = ValueConversion.external(elements: elements)
                continue
            }
            // A field the record does not hold: an inserted row keeps the
            // column's default; an existing row shows NULL (the field was
            // removed by a delete that a concurrent edit of another field
            // survived), except the match key the record's id was derived
            // from, which it shows as long as the record lives.
            let shownKey = snapshot.fields[binding.field] == nil
                ? RecordIdentity.shownKey(of: id, field: binding.field, column: binding.column, type: type, mapping: mapping)
                : nil
            let value = snapshot.fields[binding.field]?.value ?? shownKey ?? .null
            if snapshot.fields[binding.field] == nil && shownKey == nil && row == nil { continue }
            if let current, let held = try? ValueConversion.value(current, column: binding.column, type: type),
               held == value || held == ValueConversion.normalized(value, column: binding.column, type: type) { continue }
            if current == nil, value == .null, row != nil { continue }
            columns[binding.column] = try ValueConversion.external(value, column: binding.column, type: type)
        }
        if let row {
            return columns.isEmpty ? nil : .update(record: id, key: row.key, columns: columns)
        }
        return .insert(record: id, key: columns[schema.keyColumn] == nil ? key : nil, columns: columns)
    }
}
