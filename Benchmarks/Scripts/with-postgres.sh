#!/usr/bin/env bash
# Runs the given command with TANDEM_BENCH_POSTGRES=postgres://postgres@127.0.0.1:PORT
# naming a throwaway PostgreSQL cluster (default settings, fsync on) with
# databases `crm` and `helpdesk`, on a free loopback port, run as an
# unprivileged user when this script runs as root (PostgreSQL refuses root).
# The cluster is stopped and removed at exit, also on failure.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "with-postgres: no PostgreSQL server found; run make deps" >&2; exit 1; }
dir=$(mktemp -d /tmp/tandem-bench-pg.XXXXXX)
chmod 755 "$dir"
run_as=()
if [ "$(id -u)" -eq 0 ]; then
    id tandem-test >/dev/null 2>&1 || useradd --system --no-create-home tandem-test 2>/dev/null || id tandem-test >/dev/null
    chown tandem-test "$dir"
    run_as=(setpriv --reuid=tandem-test --regid="$(id -g tandem-test)" --clear-groups)
fi
stop() {
    "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${run_as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
"${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
for database in crm helpdesk; do
    psql -X -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE $database"
done
TANDEM_BENCH_POSTGRES="postgres://postgres@127.0.0.1:$port" "$@"
