# ssescript: `make serve` runs the clock demo, `make test` runs every test.
# Both install what they need first (Debian packages, through apt-get).

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SCRIPT ?= scripts/clock.lua
# Building and running: Lua 5.4, lua-cjson, and hiredis (the RESP reader and formatter).
APT_BUILD := pkg-config liblua5.4-dev lua-cjson libhiredis-dev
# Tests also read streams with curl, nghttp and a real browser, check TLS with
# openssl, start their own redis-server, check the README's nginx configuration
# with nginx -t, and run Python clients (requests, openai,
# sseclient-py; PyJWT to check our JWTs and make Mercure's).
APT_TEST := curl chromium openssl nghttp2-client redis-server nginx
# Python packages the tests use, and the modules they are imported as
# (prometheus_client parses /metrics as Prometheus would).
PIP_TEST := requests openai h2 pyjwt cryptography sseclient-py prometheus_client
PY_MODULES := requests openai h2 jwt cryptography sseclient prometheus_client

# Release builds link Swift's runtime and Foundation into the binary: one file to
# copy to a server with nothing of Swift installed, and calls into the runtime
# (retain, release, thread-locals) without the shared libraries' indirection
# (tick5k: 0.86x the CPU an event of the dynamically linked build, 2 MB less memory).
#
# They link with lld (the toolchain's own), which packs the binary's 130,000
# relative relocations into a few kilobytes (-z pack-relative-relocs, DT_RELR;
# glibc 2.36 and later), so that starting does not read 3 MB of them, and keep the
# binary's symbols out of its dynamic symbol table (--no-export-dynamic, after the
# -export-dynamic that --static-swift-stdlib adds): the loader looks up a few
# hundred symbols there at start, and read 2 MB of table doing so. A started
# server's memory: 20.6 MB against 25.3 MB.
#
# Release builds (ours and every package's) leave out the run-time checks of
# exclusive access (-enforce-exclusivity=unchecked), as the Swift servers of the
# grpc_bench and web-frameworks benchmarks are built: in tick5k those checks were 6%
# of the server's instructions, most of them in NIO's event loop and buffers. The
# compiler's static checks stay, and `make test` builds with the run-time ones too
# (a debug build): a violation traps there, in the tests, instead of being undefined
# in production.
#
# Each function has a section of its own (-function-sections, and
# -ffunction-sections for the C targets), so that lld drops those nothing calls
# (--gc-sections, which SwiftPM passes: 0.8 MB less code) and lays out those a
# server runs together, in the order of benchmarks/hot-functions.txt: the kernel
# maps a binary's code 64 KB at a time around each page touched, and the hot code,
# 1.4 MB of it, was spread over the whole 28 MB. A started server maps 4 to 5 MB
# less of it (BENCHMARKS.md). benchmarks/hot-functions.sh writes the list again.
HOT_FUNCTIONS := $(CURDIR)/benchmarks/hot-functions.txt
RELEASE_SECTIONS := -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xcc -fdata-sections
RELEASE_LINK := -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs -Xlinker --no-export-dynamic \
	-Xlinker --symbol-ordering-file=$(HOT_FUNCTIONS) -Xlinker --no-warn-symbol-ordering
RELEASE := $(SWIFT) build -c release --static-swift-stdlib -Xswiftc -enforce-exclusivity=unchecked \
	$(RELEASE_SECTIONS) $(RELEASE_LINK)

comma := ,
space := $(empty) $(empty)

# Fuzzing (Fuzz/README.md): `make test` runs each libFuzzer target for FUZZ_SMOKE
# seconds from its committed seeds; `make fuzz` builds every module instrumented
# (in .build/fuzz) and runs each for FUZZ_SECONDS, keeping its corpus there.
FUZZ_TARGETS ?= FuzzEventStream FuzzEventRoundTrip FuzzHTTPRequest FuzzLuaValues
FUZZ_SMOKE ?= 5
FUZZ_SECONDS ?= 600
# `make soak`: SOAK_CLIENTS clients for SOAK_SECONDS against the release build.
SOAK_CLIENTS ?= 2000
SOAK_SECONDS ?= 60

.PHONY: serve serve-tls test bench build release deps test-deps fuzz soak

# Installs the Debian packages in $(1) that are missing (one apt-get update first).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "make: installing$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call apt_install,$(APT_BUILD))

test-deps: deps
	$(call apt_install,$(APT_TEST))
	@python3 -c "import $(subst $(space),$(comma),$(PY_MODULES))" 2>/dev/null || { \
		echo "make: installing Python packages $(PIP_TEST)"; \
		python3 -m pip install -q $(PIP_TEST) 2>/dev/null || \
		python3 -m pip install -q --break-system-packages $(PIP_TEST); }

build: deps
	$(SWIFT) build

# Touched after the build: a source change that leaves the binary as it was (a
# comment) does not relink it, and the load test takes an older binary as stale.
release: deps
	$(RELEASE) --product ssescript
	@touch .build/release/ssescript

# Another product with the same flags (a change of flags rebuilds the release tree):
# `make release-redis-incr-bench`.
release-%: deps
	$(RELEASE) --product $*

serve: release
	.build/release/ssescript serve $(SCRIPT)

# The same over TLS with a certificate made at start: https://127.0.0.1:8080/ (HTTP/2).
serve-tls: release
	.build/release/ssescript serve $(SCRIPT) --tls-self-signed

# One test at a time: several tests load the machine on purpose (10,000 connections,
# fuzzing) or measure timing against a bystander; on two cores, running them side by
# side would measure each other. About 5 minutes once built (main's 3, and the
# cluster's suites took 108 s here). The cluster's load test (2 instances x 5,000
# clients through Redis) runs release builds of ssescript in processes of their own,
# servers and clients (`ssescript bench`), as deployed: the release build comes
# first (from cold, it adds minutes, not tens). Then each fuzz target for
# FUZZ_SMOKE seconds: `swift test` has built them (instrumented in themselves only,
# see Package.swift); building and running the four took 8 s and 25 s here.
test: test-deps release
	$(SWIFT) test --no-parallel
	for target in $(FUZZ_TARGETS); do $(SWIFT) build --product $$target || exit 1; done
	rm -rf .build/fuzz-smoke
	FUZZ_FLAGS=-seed=1 Fuzz/run.sh .build/debug $(FUZZ_SMOKE) .build/fuzz-smoke/corpus .build/fuzz-smoke/findings $(FUZZ_TARGETS)

fuzz: deps
	for target in $(FUZZ_TARGETS); do \
		$(SWIFT) build --scratch-path .build/fuzz -Xswiftc -sanitize=fuzzer --product $$target || exit 1; \
	done
	Fuzz/run.sh .build/fuzz/debug $(FUZZ_SECONDS) .build/fuzz/corpus .build/fuzz/findings $(FUZZ_TARGETS)

# Thousands of clients coming and going, reloads, a slow reader (Sources/Soak); not part of `make test`.
soak: deps
	$(RELEASE) --product ssescript
	$(RELEASE) --product Soak
	.build/release/Soak --server .build/release/ssescript --script scripts/soak.lua \
		--clients $(SOAK_CLIENTS) --seconds $(SOAK_SECONDS)

# The hub and shard bookkeeping with 1,000 to 1,000,000 simulated clients
# (Benchmarks/, package-benchmark); fails when a threshold checked in there is
# passed. Not part of `make test`: it takes minutes and wants a quiet machine.
bench: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --check-absolute --no-progress
