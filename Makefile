# Roster — two commands for a fresh Debian 12 machine:
#   make up     install what is missing, build, run the default stack in the foreground
#   make test   install what is missing, build, run every test
SWIFT ?= swift
STACK ?= etc/roster.yaml
# Debian packages the build, the tests and the shipped roles need.
DEBS = systemd python3 jq nftables iproute2 libsystemd-dev libmariadb-dev haproxy mariadb-server mariadb-client mariadb-backup socat nginx-light curl

.PHONY: up test deps build bench bench-db bench-stack clean

deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@# The schema test validates with Python's jsonschema, from whichever python3 is first on PATH.
	@python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install -q jsonschema rfc3339-validator 2>/dev/null || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-jsonschema
	@# Run as root, Roster runs its roles as this system user (docs/security.md).
	@if [ "$$(id -u)" = 0 ] && ! id -u roster >/dev/null 2>&1; then \
	  echo "creating the system user roster"; \
	  useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin roster; \
	fi

build: deps
	$(SWIFT) build

up: build
	.build/debug/roster up -f $(STACK)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel

bench: deps
	bench/core.sh

bench-stack: deps
	@command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
	$(SWIFT) build -c release
	timeout 600 python3 bench/stack.py .build/release/roster etc/site

bench-db: deps
	$(SWIFT) build -c release --product roster
	$(SWIFT) build -c release --product roster-db-primary
	$(SWIFT) build -c release --product roster-db-replica
	$(SWIFT) build -c release --product roster-bench-db
	timeout 300 .build/release/roster-bench-db

clean:
	rm -rf .build
