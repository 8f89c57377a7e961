# ssescript: `make serve` runs the clock demo, `make test` runs every test.
# Both install what they need first (Debian packages through apt-get).

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# What building and the Lua tests need.
APT_BUILD := pkg-config liblua5.4-dev lua-cjson

.PHONY: test serve build deps

# Installs the Debian packages in $(1) that are missing, with one apt-get update first.
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

build: deps
	$(SWIFT) build

test: deps
	$(SWIFT) test

serve:
	@echo "make serve comes with 'ssescript serve' (issue 3)"; exit 1
