"""`make bench-peers`: the side-by-side workload on Tandem, loro and pycrdt.

Runs every system RUNS times (default 5), interleaved (tandem, loro, pycrdt,
tandem, ...), each run in a fresh process, so all three share the machine's
conditions. Prints every run's JSON line as it arrives, then a table of
medians with the minimum and maximum of the runs, Tandem's ratios against the
faster peer, and finally one JSON line per system (the medians) with the keys
system, write_ms, export_ms, update_bytes, import_ms, merge_ms, agree.

Usage: python bench_peers.py TANDEM_EXECUTABLE [RUNS]
"""

import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = ["write_ms", "export_ms", "update_bytes", "import_ms", "merge_ms"]
SYSTEMS = ["tandem", "loro", "pycrdt"]


def run(system: str, tandem: str) -> dict:
    if system == "tandem":
        command = [tandem]
    else:
        command = [sys.executable, os.path.join(HERE, "peer_bench.py"), system]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=HERE).stdout
    return json.loads(output.strip().splitlines()[-1])


def cores() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            models = [line.split(":", 1)[1].strip() for line in info if line.startswith("model name")]
        return f"{len(models)} x {models[0]}" if models else f"{os.cpu_count()} cores"
    except OSError:
        return f"{os.cpu_count()} cores"


def versions() -> str:
    from importlib.metadata import version

    return f"loro {version('loro')}, pycrdt {version('pycrdt')}, Python {platform.python_version()}"


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: bench_peers.py TANDEM_EXECUTABLE [RUNS]")
    tandem = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print(f"bench-peers: {runs} runs of each system, interleaved, one process per run")
    print(f"machine: {cores()}; {versions()}")
    results = {system: [] for system in SYSTEMS}
    for index in range(runs):
        for system in SYSTEMS:
            line = run(system, tandem)
            results[system].append(line)
            print(f"run {index + 1}: {json.dumps(line)}", flush=True)

    workloads = {line["workload"] for lines in results.values() for line in lines}
    if len(workloads) != 1:
        sys.exit(f"the systems did not write the same workload: {sorted(workloads)}")

    def median(system, key):
        return statistics.median(line[key] for line in results[system])

    print()
    print(f"Median of {runs} runs [min-max]; write: 100,000 field writes on replica A; export: A's writes as one")
    print("update; import: that update into empty replica B; merge: 50,000 concurrent writes on each side,")
    print("exchanged and merged both ways; agree: both replicas hold the same state, same winners.")
    print()
    header = f"| {'system':<8} | " + " | ".join(f"{key:<22}" for key in KEYS) + " | agree |"
    print(header)
    print("|" + "|".join("-" * len(part) for part in header.strip("|").split("|")) + "|")
    for system in SYSTEMS:
        cells = []
        for key in KEYS:
            values = [line[key] for line in results[system]]
            if key == "update_bytes":
                cells.append(f"{int(statistics.median(values)):,}")
            else:
                cells.append(f"{statistics.median(values):.1f} [{min(values):.1f}-{max(values):.1f}]")
        agree = all(line["agree"] for line in results[system])
        print(f"| {system:<8} | " + " | ".join(f"{cell:<22}" for cell in cells) + f" | {str(agree).lower():<5} |")

    print()
    print("Tandem against the better peer on each measure (higher is better for Tandem):")
    for key in KEYS:
        best_system = min(("loro", "pycrdt"), key=lambda system: median(system, key))
        best = median(best_system, key)
        mine = median("tandem", key)
        kind = "smaller" if key == "update_bytes" else "faster"
        print(f"  {key}: {best / mine:.2f}x {kind} than {best_system} ({mine:,.1f} vs {best:,.1f})")

    print()
    for system in SYSTEMS:
        line = {"system": system}
        for key in KEYS:
            value = median(system, key)
            line[key] = int(value) if key == "update_bytes" else round(value, 2)
        line["agree"] = all(entry["agree"] for entry in results[system])
        print(json.dumps(line))


if __name__ == "__main__":
    main()
