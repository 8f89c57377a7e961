# ssescript: `make serve` runs the clock demo, `make test` runs every test.
# Both install what they need first (Debian packages, through apt-get).

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SCRIPT ?= scripts/clock.lua
# Building and running: Lua 5.4 and lua-cjson.
APT_BUILD := pkg-config liblua5.4-dev lua-cjson
# Tests also read streams with curl and a real browser; FeedClientTests serve feeds with
# Python's http.server and make TLS certificates with openssl.
APT_TEST := curl chromium python3 openssl

.PHONY: serve test build release deps test-deps

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

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product ssescript

serve: release
	.build/release/ssescript serve $(SCRIPT)

# One test at a time: several tests load the machine on purpose (10,000 connections,
# fuzzing) or measure timing against a bystander; on two cores, running them side by
# side would measure each other. About 45 s once built.
test: test-deps
	$(SWIFT) test --no-parallel
