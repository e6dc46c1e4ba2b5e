#!/usr/bin/env bash
# The load run behind docs/benchmarks.md (not part of the test run).
#
#   bench/load.sh [--orders N] [--duration SECS] [--connections C]
#
# Builds spapi and the bare axum baseline in release mode, installs oha with cargo into
# target/bench-tools when it is missing, and runs crates/spapi-bench/src/bin/load.rs, which
# prints the Markdown report (defaults: a 1M-order world, 10 s per endpoint, 32 connections).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
oha="$target/bench-tools/bin/oha"
if [ ! -x "$oha" ]; then
    echo "installing oha into $target/bench-tools" >&2
    cargo install oha --locked --root "$target/bench-tools" >&2
fi
cargo build --release --locked -p spapi -p spapi-bench --bins >&2
exec "$target/release/spapi-load" --oha "$oha" "$@"
