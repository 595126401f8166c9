/// The SQL the driver installs in the external database (docs/adapters.md,
/// "PostgreSQL driver"), generated for one table and its mapped columns.
/// Everything is created idempotently (IF NOT EXISTS, CREATE OR REPLACE,
/// DROP TRIGGER IF EXISTS), so attach can run again, for example after the
/// mapping changed.
struct CaptureSQL: Sendable {
    /// The table's schema and name as resolved in the database.
    var schema: String
    var table: String
    var keyColumn: String
    /// The mapped columns the trigger records.
    var columns: [String]

    /// The outbox, key map, trigger function and trigger names (unquoted).
    var outboxName: String { "_tandem_outbox_" + table }
    var keysName: String { "_tandem_keys_" + table }
    var functionName: String { "_tandem_capture_" + table }
    var truncateFunctionName: String { "_tandem_truncate_" + table }
    var positionSequenceName: String { "_tandem_outbox_" + table + "_pos" }
    static let triggerName = "_tandem_capture"
    static let truncateTriggerName = "_tandem_truncate"
    /// The NOTIFY channel.
    var channel: String { "tandem_" + table }

    var qualifiedTable: String { SQL.identifier(schema) + "." + SQL.identifier(table) }
    var outbox: String { SQL.identifier(schema) + "." + SQL.identifier(outboxName) }
    var keys: String { SQL.identifier(schema) + "." + SQL.identifier(keysName) }
    var function: String { SQL.identifier(schema) + "." + SQL.identifier(functionName) }
    var truncateFunction: String { SQL.identifier(schema) + "." + SQL.identifier(truncateFunctionName) }
    var positionSequence: String { SQL.identifier(schema) + "." + SQL.identifier(positionSequenceName) }
    /// The position sequence as a `regclass` literal for nextval/setval.
    var positionSequenceLiteral: String { SQL.literal(positionSequence) }

    /// The longest name the driver creates; PostgreSQL cuts identifiers at 63 bytes.
    var longestName: String { positionSequenceName }

    /// The statements of `attach`, in order, for one transaction.
    var attachStatements: [String] {
        [
            // `seq` orders changes as the trigger wrote them; `pos` is the
            // position the driver gives a change once it is committed and
            // read (publication order, what the cursor counts): a
            // transaction that commits late never lands behind the cursor.
            """
            CREATE TABLE IF NOT EXISTS \(outbox) (
                seq bigserial PRIMARY KEY,
                pos bigint UNIQUE,
                op text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
                pk text NOT NULL,
                old jsonb,
                new jsonb,
                edited_at_ms bigint NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS \(SQL.identifier(outboxName + "_pk")) ON \(outbox) (pk)",
            "CREATE INDEX IF NOT EXISTS \(SQL.identifier(outboxName + "_new")) ON \(outbox) (seq) WHERE pos IS NULL",
            "CREATE SEQUENCE IF NOT EXISTS \(positionSequence) OWNED BY \(outbox).pos",
            // A new position sequence starts at the clock in microseconds, so
            // positions after a detach and a new attach (or a restored
            // database) still pass a cursor kept from before.
            """
            SELECT setval(\(positionSequenceLiteral)::regclass, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, false)
            FROM \(positionSequence) WHERE NOT is_called
            """,
            """
            CREATE TABLE IF NOT EXISTS \(keys) (
                pk text PRIMARY KEY,
                record text NOT NULL UNIQUE
            )
            """,
            functionStatement,
            "DROP TRIGGER IF EXISTS \(SQL.identifier(CaptureSQL.triggerName)) ON \(qualifiedTable)",
            """
            CREATE TRIGGER \(SQL.identifier(CaptureSQL.triggerName))
                AFTER INSERT OR UPDATE OR DELETE ON \(qualifiedTable)
                FOR EACH ROW EXECUTE FUNCTION \(function)()
            """,
            truncateFunctionStatement,
            "DROP TRIGGER IF EXISTS \(SQL.identifier(CaptureSQL.truncateTriggerName)) ON \(qualifiedTable)",
            """
            CREATE TRIGGER \(SQL.identifier(CaptureSQL.truncateTriggerName))
                BEFORE TRUNCATE ON \(qualifiedTable)
                FOR EACH STATEMENT EXECUTE FUNCTION \(truncateFunction)()
            """,
        ]
    }

    /// The statements of `detach`.
    var detachStatements: [String] {
        [
            "DROP TRIGGER IF EXISTS \(SQL.identifier(CaptureSQL.triggerName)) ON \(qualifiedTable)",
            "DROP TRIGGER IF EXISTS \(SQL.identifier(CaptureSQL.truncateTriggerName)) ON \(qualifiedTable)",
            "DROP FUNCTION IF EXISTS \(function)()",
            "DROP FUNCTION IF EXISTS \(truncateFunction)()",
            "DROP TABLE IF EXISTS \(outbox)",
            "DROP SEQUENCE IF EXISTS \(positionSequence)",
            "DROP TABLE IF EXISTS \(keys)",
        ]
    }

    /// The capture trigger function.
    ///
    /// - It does nothing inside the driver's own write transactions
    ///   (`tandem.applying` is `on`, set with `set_config(..., true)`, which
    ///   lasts until the transaction ends).
    /// - It records only the mapped columns, read through `to_jsonb(row)`
    ///   so it never names a column: dropping a column does not break the
    ///   external application's writes (the adapter pauses on the drift).
    ///   The primary key is recorded as its JSON text (`->>`), the form
    ///   every other query of the driver uses too.
    /// - An UPDATE that changes no mapped column is not recorded; one that
    ///   changes the primary key is recorded as a delete and an insert.
    /// - The edit time is `clock_timestamp()` in milliseconds.
    /// - NOTIFY is delivered when the transaction commits.
    /// - SECURITY DEFINER: the external application's role needs no rights
    ///   on the outbox; `search_path` is pinned so nothing can be shadowed.
    /// - Per row it runs one query, the outbox insert: the mapped values
    ///   are built by one expression while the row has every mapped column
    ///   (the usual case; PL/pgSQL evaluates such an expression without the
    ///   executor), and only a row missing one (a column dropped since the
    ///   attach) takes the query over `jsonb_each`; NOTIFY is an expression
    ///   too. Each query costs the external application's transaction more
    ///   than the rest of the trigger together (`make bench-e2e`).
    var functionStatement: String {
        let mapped = "ARRAY[" + columns.map(SQL.literal).joined(separator: ", ") + "]::text[]"
        let key = SQL.literal(keyColumn)
        let body = """

            DECLARE
                mapped constant text[] := \(mapped);
                old_row jsonb;
                new_row jsonb;
                old_values jsonb;
                new_values jsonb;
                notified text;
                edited bigint := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
            BEGIN
                IF current_setting('tandem.applying', true) = 'on' THEN
                    RETURN NULL;
                END IF;
                \(CaptureSQL.mappedValues("old", unless: "INSERT", columns: columns))
                \(CaptureSQL.mappedValues("new", unless: "DELETE", columns: columns))
                -- Without its key column (dropped) a row cannot be synced;
                -- the external application's write must still succeed.
                IF (TG_OP <> 'INSERT' AND old_row ->> \(key) IS NULL)
                    OR (TG_OP <> 'DELETE' AND new_row ->> \(key) IS NULL) THEN
                    RETURN NULL;
                END IF;
                IF TG_OP = 'UPDATE' AND old_row -> \(key) IS DISTINCT FROM new_row -> \(key) THEN
                    INSERT INTO \(outbox) (op, pk, old, new, edited_at_ms)
                        VALUES ('delete', old_row ->> \(key), old_values, NULL, edited);
                    INSERT INTO \(outbox) (op, pk, old, new, edited_at_ms)
                        VALUES ('insert', new_row ->> \(key), NULL, new_values, edited);
                ELSIF TG_OP = 'UPDATE' THEN
                    IF old_values = new_values THEN
                        RETURN NULL;
                    END IF;
                    INSERT INTO \(outbox) (op, pk, old, new, edited_at_ms)
                        VALUES ('update', new_row ->> \(key), old_values, new_values, edited);
                ELSIF TG_OP = 'INSERT' THEN
                    INSERT INTO \(outbox) (op, pk, old, new, edited_at_ms)
                        VALUES ('insert', new_row ->> \(key), NULL, new_values, edited);
                ELSE
                    INSERT INTO \(outbox) (op, pk, old, new, edited_at_ms)
                        VALUES ('delete', old_row ->> \(key), old_values, NULL, edited);
                END IF;
                notified := pg_notify(\(SQL.literal(channel)), '')::text;
                RETURN NULL;
            END;

            """
        return CaptureSQL.createFunction(function, body: body)
    }

    /// The JSON object of `columns` taken from the JSON row variable `row`
    /// (which holds every one of them), as one expression: the same object
    /// the `jsonb_each` query builds, JSON nulls kept. `jsonb_build_object`
    /// takes at most 100 arguments, so every 40 columns are joined with `||`.
    /// The trigger's step that reads the mapped columns of `OLD` or `NEW`
    /// (`side`, lower-case) into `<side>_values`, except when `TG_OP` is
    /// `skip`: by one expression while the row has every mapped column,
    /// over `jsonb_each` when one was dropped since the attach.
    static func mappedValues(_ side: String, unless skip: String, columns: [String]) -> String {
        """
                        IF TG_OP <> '\(skip)' THEN
                            \(side)_row := to_jsonb(\(side.uppercased()));
                            IF \(side)_row ?& mapped THEN
                                \(side)_values := \(mappedObject(side + "_row", columns: columns));
                            ELSE
                                SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) INTO \(side)_values
                                    FROM jsonb_each(\(side)_row) AS e WHERE e.key = ANY (mapped);
                            END IF;
                        END IF
        """ + ";"
    }

    static func mappedObject(_ row: String, columns: [String]) -> String {
        guard !columns.isEmpty else { return "'{}'::jsonb" }
        return columns.chunked(40).map { part in
            "jsonb_build_object(" + part.map { "\(SQL.literal($0)), \(row) -> \(SQL.literal($0))" }.joined(separator: ", ") + ")"
        }.joined(separator: " || ")
    }

    /// The TRUNCATE capture (row triggers do not fire on TRUNCATE): before
    /// the table is emptied, a delete of every row is recorded, so a
    /// truncation reaches the runner like a mass delete (and is held for
    /// approval like one).
    var truncateFunctionStatement: String {
        let mapped = "ARRAY[" + columns.map(SQL.literal).joined(separator: ", ") + "]::text[]"
        let key = SQL.literal(keyColumn)
        let body = """

            DECLARE
                mapped constant text[] := \(mapped);
                edited bigint := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
            BEGIN
                IF current_setting('tandem.applying', true) = 'on' THEN
                    RETURN NULL;
                END IF;
                INSERT INTO \(outbox) (op, pk, old, new, edited_at_ms)
                    SELECT 'delete', r.j ->> \(key),
                           (SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb)
                            FROM jsonb_each(r.j) AS e WHERE e.key = ANY (mapped)),
                           NULL, edited
                    FROM (SELECT to_jsonb(t) AS j FROM \(qualifiedTable) AS t) AS r
                    WHERE r.j ->> \(key) IS NOT NULL
                    ORDER BY r.j ->> \(key);
                PERFORM pg_notify(\(SQL.literal(channel)), '');
                RETURN NULL;
            END;

            """
        return CaptureSQL.createFunction(truncateFunction, body: body)
    }

    /// CREATE OR REPLACE of a PL/pgSQL trigger function with `body`, dollar
    /// quoted with a tag the body does not contain.
    static func createFunction(_ name: String, body: String) -> String {
        var tag = "$tandem$"
        var counter = 0
        while body.contains(tag) {
            counter += 1
            tag = "$tandem\(counter)$"
        }
        return """
            CREATE OR REPLACE FUNCTION \(name)() RETURNS trigger
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
            AS \(tag)\(body)\(tag)
            """
    }
}
