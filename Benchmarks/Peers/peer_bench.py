"""Runs the side-by-side workload (workload.py) once on loro or pycrdt and
prints one JSON line: system, write_ms, export_ms, update_bytes, import_ms,
merge_ms, agree, plus the workload checksum and the concurrent-write time.

Usage: python peer_bench.py loro|pycrdt

Each peer uses its natural structure, a map per record inside one root map,
and its documented batch API: one `commit()` for loro, one transaction for
pycrdt. Timing is wall-clock (`time.perf_counter`) around each phase; the
values are generated before any timed phase, and Python's cyclic garbage
collector is off during the timed phases, so neither counts against a peer.
"""

import gc
import json
import sys
import time

import workload


def ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def run_loro(initial, writes_a, writes_b):
    from loro import ExportMode, LoroDoc, LoroMap, VersionVector

    a = LoroDoc()
    a.peer_id = 1
    b = LoroDoc()
    b.peer_id = 2
    result = {}

    gc.disable()
    start = time.perf_counter()
    root = a.get_map("records")
    for rid, fields in initial:
        record = root.insert_container(rid, LoroMap())
        for name, value in fields:
            record.insert(name, value)
    a.commit()
    result["write_ms"] = ms(start)

    start = time.perf_counter()
    update = a.export(ExportMode.Updates(VersionVector()))
    result["export_ms"] = ms(start)
    result["update_bytes"] = len(update)

    start = time.perf_counter()
    b.import_(update)
    result["import_ms"] = ms(start)
    gc.enable()
    imported_equal = a.get_deep_value() == b.get_deep_value()

    # Concurrent writes on both sides (each one commit), then a two-way merge.
    gc.disable()
    start = time.perf_counter()
    for doc, writes in ((a, writes_a), (b, writes_b)):
        root = doc.get_map("records")
        for rid, fields in writes:
            record = root.get(rid).container
            for name, value in fields:
                record.insert(name, value)
        doc.commit()
    result["concurrent_write_ms"] = ms(start)

    start = time.perf_counter()
    a_to_b = a.export(ExportMode.Updates(b.oplog_vv))
    b_to_a = b.export(ExportMode.Updates(a.oplog_vv))
    b.import_(a_to_b)
    a.import_(b_to_a)
    result["merge_ms"] = ms(start)
    gc.enable()
    result["merge_bytes"] = len(a_to_b) + len(b_to_a)
    result["agree"] = imported_equal and a.get_deep_value() == b.get_deep_value()
    return result


def run_pycrdt(initial, writes_a, writes_b):
    from pycrdt import Doc, Map

    a = Doc(client_id=1)
    b = Doc(client_id=2)
    result = {}

    gc.disable()
    start = time.perf_counter()
    root = a.get("records", type=Map)
    with a.transaction():
        for rid, fields in initial:
            root[rid] = Map(dict(fields))
    result["write_ms"] = ms(start)

    start = time.perf_counter()
    update = a.get_update()
    result["export_ms"] = ms(start)
    result["update_bytes"] = len(update)

    start = time.perf_counter()
    b.apply_update(update)
    result["import_ms"] = ms(start)
    gc.enable()
    root_b = b.get("records", type=Map)
    imported_equal = root.to_py() == root_b.to_py()

    gc.disable()
    start = time.perf_counter()
    for doc, writes in ((a, writes_a), (b, writes_b)):
        records = doc.get("records", type=Map)
        with doc.transaction():
            for rid, fields in writes:
                record = records[rid]
                for name, value in fields:
                    record[name] = value
    result["concurrent_write_ms"] = ms(start)

    start = time.perf_counter()
    a_to_b = a.get_update(b.get_state())
    b_to_a = b.get_update(a.get_state())
    b.apply_update(a_to_b)
    a.apply_update(b_to_a)
    result["merge_ms"] = ms(start)
    gc.enable()
    result["merge_bytes"] = len(a_to_b) + len(b_to_a)
    result["agree"] = imported_equal and root.to_py() == root_b.to_py()
    return result


def main() -> None:
    system = sys.argv[1] if len(sys.argv) > 1 else ""
    runners = {"loro": run_loro, "pycrdt": run_pycrdt}
    if system not in runners:
        sys.exit("usage: peer_bench.py loro|pycrdt")
    initial, writes_a, writes_b, checksum = workload.all_writes()
    result = runners[system](initial, writes_a, writes_b)
    line = {"system": system}
    for key in ("write_ms", "export_ms", "update_bytes", "import_ms", "merge_ms", "agree"):
        line[key] = round(result[key], 2) if isinstance(result[key], float) else result[key]
    line["concurrent_write_ms"] = round(result["concurrent_write_ms"], 2)
    line["merge_bytes"] = result["merge_bytes"]
    line["workload"] = f"{checksum:016x}"
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
