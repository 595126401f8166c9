# Tandem: build, test and run the demo on a Debian machine with Swift 6.3.
# Every target that compiles first runs `deps`, which installs libsodium,
# SQLite (library and shell) and pkg-config through apt-get when missing.

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: deps build test demo bench clean

deps:
	@missing=""; \
	pkg-config --exists libsodium 2>/dev/null || missing="$$missing libsodium-dev"; \
	pkg-config --exists sqlite3 2>/dev/null || missing="$$missing libsqlite3-dev"; \
	command -v sqlite3 >/dev/null 2>&1 || missing="$$missing sqlite3"; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	if [ -z "$$missing" ]; then \
		echo "deps: libsodium, SQLite and pkg-config found"; \
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

clean:
	swift package clean
	rm -rf Benchmarks/.build
