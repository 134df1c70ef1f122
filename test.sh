#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test (debug build), benches compiled.
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked --all-targets
cargo bench --locked --no-run
