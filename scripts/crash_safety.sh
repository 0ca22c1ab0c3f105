#!/usr/bin/env bash
# Crash safety (docs/CRASH.md): 20 rounds of SIGKILL to `cloister serve` in the middle of 16
# sessions that type, save drafts and submit; after each kill, every acknowledged submission and
# draft must be in the store, and `cloister audit verify` must pass; after each restart, drafts
# come back on screen. CRASH_ROUNDS and CRASH_SESSIONS override the sizes.
#
#   scripts/crash_safety.sh
#   CRASH_ROUNDS=50 CRASH_SESSIONS=32 scripts/crash_safety.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --locked --test crash_safety -- --ignored --nocapture crash_safety_twenty_rounds
