#!/usr/bin/env bash
# `make bench-e2e`: external row to external row, Tandem beside Bucardo in
# one run (docs/PERFORMANCE.md, "End to end, side by side with Bucardo").
#
# Sets up everything the workloads need from nothing: Bucardo and PL/Perl
# for the installed PostgreSQL server from Debian's packages (apt-get, when
# missing), then a throwaway PostgreSQL cluster on a free loopback port, run
# as an unprivileged user when this runs as root (PostgreSQL refuses root).
# Then Benchmarks/E2E/bench_e2e.py runs the workloads with the arguments
# given here (--quick, --runs N, --workloads ...). At exit, also on failure
# or Ctrl-C, every process the benchmark started (listed in $dir/pids) and
# Bucardo's daemons are stopped by their ids, the cluster is stopped, and the
# directory is removed.
#
# Usage: bench-e2e.sh TANDEM_EXECUTABLE [bench_e2e.py options]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tandem=$(realpath "$1"); shift
[ -x "$tandem" ] || { echo "bench-e2e: $tandem is not an executable; build it with swift build -c release --product tandem" >&2; exit 1; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "bench-e2e: no PostgreSQL server found; run make deps" >&2; exit 1; }
major=$(basename "$(dirname "$bin")")

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
missing=()
command -v bucardo >/dev/null 2>&1 || missing+=(bucardo)
[ -e "/usr/lib/postgresql/$major/lib/plperl.so" ] || missing+=("postgresql-plperl-$major")
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench-e2e: installing ${missing[*]} with apt-get"
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

# Lowercase on purpose: Bucardo lowercases its pid directory setting.
dir=/tmp/tandem-bench-e2e-$$-$(date +%s%N)
mkdir -m 755 "$dir"
mkdir -p "$dir/work" "$dir/bucardo"
touch "$dir/pids"
run_as=()
if [ "$(id -u)" -eq 0 ]; then
    id tandem-test >/dev/null 2>&1 || useradd --system --no-create-home tandem-test 2>/dev/null || id tandem-test >/dev/null
    mkdir -p "$dir/pg"
    chown tandem-test "$dir/pg"
    run_as=(setpriv --reuid=tandem-test --regid="$(id -g tandem-test)" --clear-groups)
else
    mkdir -p "$dir/pg"
fi
port=""
cleanup() {
    status=$?
    trap - EXIT INT TERM
    # Processes the driver started (tandem run, psql streams), by id.
    while read -r pid; do
        [ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    done < "$dir/pids"
    # Bucardo's MCP, controllers and kids write their ids to its piddir.
    if compgen -G "$dir/bucardo/*.pid" >/dev/null; then
        for file in "$dir"/bucardo/*.pid; do
            pid=$(head -1 "$file" 2>/dev/null || true)
            [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
        done
    fi
    "${run_as[@]}" "$bin/pg_ctl" -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
    # BENCH_E2E_LOGS=DIR keeps the logs (Tandem's, Bucardo's, the server's).
    if [ -n "${BENCH_E2E_LOGS:-}" ]; then
        mkdir -p "$BENCH_E2E_LOGS"
        find "$dir" -name '*.log' -o -name '*.toml' -o -name 'log.bucardo*' | while read -r file; do
            cp "$file" "$BENCH_E2E_LOGS/$(echo "${file#$dir/}" | tr / _)"
        done
    fi
    rm -rf "$dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${run_as[@]}" "$bin/initdb" -D "$dir/pg/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
# Default settings (fsync on) except enough connections for both systems.
"${run_as[@]}" "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w \
    -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null

# In the background and waited for, so that a TERM sent to this script runs
# the trap at once (bash defers traps while a foreground child runs).
python3 "$here/../E2E/bench_e2e.py" --tandem "$tandem" --port "$port" --dir "$dir" "$@" &
driver=$!
echo "$driver" >> "$dir/pids"
wait "$driver"
