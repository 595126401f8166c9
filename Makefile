# Tandem: build, test and run the demo on a Debian machine with Swift 6.3.
# Every target that compiles first runs `deps`, which installs libsodium,
# SQLite (library and shell), pkg-config and the PostgreSQL server and client
# (Debian 12: PostgreSQL 15, which the tests start; Tests/TandemTestSupport/
# PostgresServer.swift) through apt-get when missing.

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: deps build test demo bench bench-store bench-pgstore bench-peers bench-sync bench-reconcile bench-adapters bench-e2e clean sim harness

deps:
	@missing=""; \
	pkg-config --exists libsodium 2>/dev/null || missing="$$missing libsodium-dev"; \
	pkg-config --exists sqlite3 2>/dev/null || missing="$$missing libsqlite3-dev"; \
	command -v sqlite3 >/dev/null 2>&1 || missing="$$missing sqlite3"; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing="$$missing postgresql"; \
	if [ -z "$$missing" ]; then \
		echo "deps: libsodium, SQLite, pkg-config and PostgreSQL found"; \
	else \
		echo "deps: installing$$missing with apt-get"; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing pkg-config; \
	fi

build: deps
	swift build

test: deps
	swift build --build-tests
	swift test

demo: deps
	swift run tandem demo

bench: deps
	cd Benchmarks && swift run -c release tandem-core-bench

# A store of 1,000,000 records x 10 fields (about 1.4 GB under .build-bench-store/),
# then five fresh processes that open it, read and write. Takes about two minutes.
BENCH_STORE_DIR ?= .build-bench-store
bench-store: deps
	cd Benchmarks && swift build -c release --product tandem-store-bench
	rm -rf $(BENCH_STORE_DIR)
	Benchmarks/.build/release/tandem-store-bench populate $(BENCH_STORE_DIR) 1000000
	for run in 1 2 3 4 5; do Benchmarks/.build/release/tandem-store-bench open $(BENCH_STORE_DIR) 1000000; done

# Two nodes over loopback TCP in one process (SQLite stores, Ed25519,
# encrypted sessions): throughput of 100,000 field updates and latency at
# 1,000 updates/s for 10 s, five runs each after a warm-up (docs/PERFORMANCE.md,
# "Sync over TCP"). Takes about a minute and a half.
bench-sync: deps
	cd Benchmarks && swift build -c release --product tandem-sync-bench
	Benchmarks/.build/release/tandem-sync-bench all

# Digest reconciliation between two replicas of 1,000,000 records x 10 fields
# (docs/PERFORMANCE.md, "Digest reconciliation of equal replicas"): the real
# protocol between two SyncDrivers in one process, every message's bytes
# counted by kind, for equal replicas and after A changed 1 or 1,000 records.
# SQLite stores: the two replicas are built once under
# $(BENCH_RECONCILE_DIR)/seed (about five minutes, 2.4 GB) and copied afresh
# for each of five runs per case after a warm-up (about three minutes).
BENCH_RECONCILE_DIR ?= .build-bench-reconcile
bench-reconcile: deps
	cd Benchmarks && swift build -c release --product tandem-reconcile-bench
	test -d $(BENCH_RECONCILE_DIR)/seed/b || Benchmarks/.build/release/tandem-reconcile-bench sqlite-seed $(BENCH_RECONCILE_DIR) 1000000
	Benchmarks/.build/release/tandem-reconcile-bench sqlite $(BENCH_RECONCILE_DIR) 1000000

# Adapters end to end (docs/PERFORMANCE.md, "Adapters"): a row committed in
# one database to the row committed in the other, through two nodes over TCP,
# at 100 changes/s for 30 s each way, for SQLite and PostgreSQL tables in every
# pairing, three runs each; then the first sync of a 1,000,000-row SQLite
# table. PostgreSQL runs as a throwaway cluster (Benchmarks/Scripts/with-postgres.sh).
# Takes about fifteen minutes.
# A node's commit path (one change per commit, Ed25519-signed) on PostgreSQL
# (a throwaway cluster with default durability) against SQLite, three
# interleaved runs of 2,000 commits each, one fresh process (and store) per run.
BENCH_PGSTORE_DIR ?= .build-bench-pgstore
bench-pgstore: deps
	cd Benchmarks && swift build -c release --product tandem-pgstore-bench
	for run in 1 2 3; do \
		rm -rf $(BENCH_PGSTORE_DIR) && Benchmarks/.build/release/tandem-pgstore-bench commit sqlite $(BENCH_PGSTORE_DIR) 2000 || exit 1; \
		Benchmarks/Scripts/with-postgres.sh sh -c 'Benchmarks/.build/release/tandem-pgstore-bench commit postgres "$$TANDEM_BENCH_POSTGRES/crm?schema=bench" 2000' || exit 1; \
	done
	rm -rf $(BENCH_PGSTORE_DIR)

BENCH_ADAPTERS_DIR ?= .build-bench-adapters
BENCH_ADAPTERS_ROWS ?= 1000000
bench-adapters: deps
	cd Benchmarks && swift build -c release --product tandem-adapter-bench
	for run in 1 2 3; do \
		for pairing in "sqlite sqlite" "postgres postgres" "sqlite postgres"; do \
			Benchmarks/Scripts/with-postgres.sh Benchmarks/.build/release/tandem-adapter-bench latency $(BENCH_ADAPTERS_DIR) 30 $$pairing || exit 1; \
		done; \
	done
	Benchmarks/.build/release/tandem-adapter-bench backfill $(BENCH_ADAPTERS_DIR) $(BENCH_ADAPTERS_ROWS) sqlite
	Benchmarks/Scripts/with-postgres.sh Benchmarks/.build/release/tandem-adapter-bench backfill $(BENCH_ADAPTERS_DIR) 100000 postgres
	rm -rf $(BENCH_ADAPTERS_DIR)

# End to end, external row to external row, Tandem beside Bucardo 5.6 in one
# run (docs/PERFORMANCE.md, "End to end, side by side with Bucardo"): two
# `tandem run` processes (release build) with PostgreSQL adapters, and a
# Bucardo source/source sync of two other databases of the same throwaway
# cluster; then Tandem's SQLite-SQLite and SQLite-PostgreSQL pairings.
# Benchmarks/Scripts/bench-e2e.sh installs Bucardo and PL/Perl with apt-get
# when missing, runs the cluster as an unprivileged user and removes it and
# every process at exit, also on failure. Latency at 100 updates/s for 60 s,
# 100,000-update throughput (issued by pgbench), concurrent edits during a
# cut link, backfill of 1,000,000 rows; three runs. BENCH_E2E_ARGS adds
# options: --quick (10 s, 10,000 updates, 100,000 rows), --runs N,
# --workloads latency,throughput,concurrent,backfill (or backfill-empty,
# backfill-10pct), --systems tandem,bucardo, --pairs pg,sqlite,sqlite-pg,
# --batches 1,1000, --client pgbench|psql, --clients N, --async-client.
# Not part of `make test`.
BENCH_E2E_ARGS ?=
bench-e2e: deps
	swift build -c release --product tandem
	Benchmarks/Scripts/bench-e2e.sh .build/release/tandem $(BENCH_E2E_ARGS)

# The partition simulator (docs/simulation.md): 10,000 five-node seeds with
# every fault class, on two threads. Prints a summary; exits non-zero, with the
# failing seeds and a shrunk trace of the first, if any run fails.
sim: deps
	swift run -c release tandem-sim --seeds 10000 --nodes 5 --faults all

# The convergence harness (docs/simulation.md, "The harness"): three real
# `tandem run` processes in a ring beside SQLite tables, through link faults,
# external edits and SIGKILLs for 60 s, a random seed (printed); then the
# checks. HARNESS_ARGS adds options (--seed S, --nodes N, --postgres, ...).
HARNESS_ARGS ?=
harness: deps
	swift build --product tandem
	swift build --product tandem-harness
	.build/debug/tandem-harness --nodes 3 --duration 60 --topology ring $(HARNESS_ARGS)

# The side-by-side workload on Tandem, loro and pycrdt (docs/PERFORMANCE.md,
# "Side by side with loro and pycrdt"): the peers come from PyPI into a
# virtual environment under .build-peers/ (ignored, like every .build*/), and
# each system runs PEERS_RUNS times, interleaved, one process per run.
PEERS_VENV ?= .build-peers/venv
PEERS_RUNS ?= 5
bench-peers: deps
	cd Benchmarks && swift build -c release --product tandem-peers-bench
	@python3 -c 'import venv, ensurepip' 2>/dev/null || { \
		echo "bench-peers: installing python3-venv with apt-get"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv; }
	test -x $(PEERS_VENV)/bin/python || python3 -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/pip install --quiet --disable-pip-version-check loro==1.17.1 pycrdt==0.14.13
	$(PEERS_VENV)/bin/python Benchmarks/Peers/bench_peers.py Benchmarks/.build/release/tandem-peers-bench $(PEERS_RUNS)

clean:
	swift package clean
	rm -rf Benchmarks/.build .build-peers .build-bench-reconcile .build-bench-adapters
