/// The I/O half of an adapter: a thin driver for one external system
/// (a SQLite file, a PostgreSQL table, later a REST API). It installs
/// change capture, reads what was captured, runs the writes the adapter core
/// decided and reads rows; every decision is the core's (`CapturePlanner`,
/// `KeyResolution`, `OutboundPlanner`), made in `AdapterRunner`.
///
/// Guarantees a driver keeps (docs/adapters.md, "Writing a driver"):
/// - Capture records every insert, update and delete of the table by any
///   other program, with the mapped columns before and after and the edit
///   time in milliseconds, in commit order, durably, in the external system
///   (an outbox), so changes made while the node is down are read at start.
/// - Writes made by `apply` are not captured (a marker the capture can see,
///   set inside the write transaction).
/// - In `apply` one refused write fails alone, with its error, and the
///   others commit: a driver may run the writes together (one savepoint,
///   multi-row statements), but when any is refused it rolls that back and
///   runs each write alone (a savepoint each).
/// - The key map (primary key to record id) lives in the external system and
///   changes in the same transaction as the rows it maps, so a crash never
///   leaves an inserted row unmapped (which would duplicate it).
public protocol AdapterDriver: Sendable {
    /// The table's columns and primary key.
    func describe() async throws -> TableSchema

    /// Installs (idempotently) the outbox, the key map and the capture for
    /// the mapped columns. Existing rows are not captured (see `snapshot`).
    func attach(columns: [String]) async throws

    /// Removes the capture, the outbox and the key map.
    func detach() async throws

    /// Up to `limit` captured changes after `sequence`, in order, with the
    /// counts the mass delete check needs.
    func changes(after sequence: Int64, limit: Int) async throws -> CaptureRead

    /// The captured changes with these sequences (held deletes).
    func changes(in ranges: [ClosedRange<Int64>]) async throws -> [CapturedChange]

    /// Removes handled changes up to `sequence` from the outbox, except
    /// those in `keeping`.
    func acknowledge(through sequence: Int64, keeping: [ClosedRange<Int64>]) async throws

    /// Waits until the outbox may hold something new, or `timeoutMillis` passed.
    func waitForChanges(timeoutMillis: Int) async

    /// The record ids mapped to these primary keys.
    func records(forKeys keys: [String]) async throws -> [String: String]

    /// The primary keys mapped to these record ids, for rows that exist (a
    /// deleted row's mapping no longer claims its record, so a new row with
    /// the same match key maps to it).
    func keys(forRecords records: [String]) async throws -> [String: String]

    /// Saves primary key to record id mappings.
    func map(_ mappings: [String: String]) async throws

    /// The mapped columns of the rows with these primary keys (absent rows
    /// are absent).
    func rows(keys: [String]) async throws -> [String: ExternalRow]

    /// Up to `limit` rows after primary key `after` (nil: from the first),
    /// in key order: the table streamed for backfill and parity.
    func snapshot(after key: String?, limit: Int) async throws -> [ExternalRow]

    /// Runs `writes`, except those of rows the outbox holds a change of
    /// after `capturedThrough` (an edit not yet captured: the write would
    /// overwrite it; it is reported `.deferred` and retried after). A write
    /// the system refuses fails alone. Inserts and the key map change together.
    func apply(_ writes: [ExternalWrite], capturedThrough: Int64) async throws -> [WriteOutcome]

    /// `apply(_:capturedThrough:)`, and besides: an insert of a new row for
    /// a record that a change after `capturedThrough` already gives a row
    /// (another program inserted the same match key meanwhile, `identity`
    /// tells) is `.deferred`, checked so that no insert can slip in between;
    /// capture then maps that row to the record and the write becomes an
    /// update of it, never a second row of one key. The default ignores
    /// `identity` (a driver whose table cannot race).
    func apply(_ writes: [ExternalWrite], capturedThrough: Int64, identity: RecordIdentity?) async throws -> [WriteOutcome]

    /// How many rows the table holds (for backfill progress; may be an
    /// estimate on large tables).
    func rowCount() async throws -> Int

    /// Closes connections.
    func close() async
}

/// What became of one `ExternalWrite`.
public enum WriteOutcome: Hashable, Sendable {
    /// Written. For an insert, `key` is the row's primary key; for a delete,
    /// `lastValues` is what the row held.
    case written(key: String, lastValues: [String: ExternalValue]?)
    /// Not written: the row has a newer uncaptured edit; retry after capture.
    case deferred
    /// The external system refused it (type, constraint, length): the record
    /// waits in the retry queue.
    case failed(String)
}

extension AdapterDriver {
    public func apply(
        _ writes: [ExternalWrite], capturedThrough: Int64, identity: RecordIdentity?
    ) async throws -> [WriteOutcome] {
        try await apply(writes, capturedThrough: capturedThrough)
    }
}

extension WriteOutcome {
    /// The outcomes of `count` writes from those of the writes run (in
    /// order) and the indexes deferred before running.
    public static func merging(_ run: [WriteOutcome], deferring deferred: Set<Int>, count: Int) -> [WriteOutcome] {
        guard !deferred.isEmpty else { return run }
        var next = run.makeIterator()
        return (0..<count).map { deferred.contains($0) ? .deferred : next.next() ?? .deferred }
    }
}

extension ExternalWrite {
    /// Whether this write makes a new row.
    public var insertsRow: Bool {
        if case .insert = self { return true }
        return false
    }
}
