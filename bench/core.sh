#!/usr/bin/env bash
# Roster core benchmark: N = 100 and 1000 instances of a tiny notify-ready C service.
# One command (`make bench`); prints a table beside the peers' figures (../shared/peers/RESULTS.md).
# Bounded: every wait has a deadline; the whole run stops by itself (BENCH_TIMEOUT, default 900 s).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product roster >/dev/null
mkdir -p .build/bench
gcc -O2 -Wall -o .build/bench/tiny bench/tiny.c
exec timeout -k 10 "${BENCH_TIMEOUT:-900}" python3 bench/core.py --roster .build/release/roster --tiny .build/bench/tiny "$@"
