#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for RUNS executions each (default 1 000 000), then
# minimises each corpus in place (fuzz/corpus/<target>/, committed). A crash stops the script and
# leaves the input in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh                      # every target, 1 000 000 executions each
#   RUNS=100000 scripts/fuzz.sh srt      # one target, fewer executions
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler (libFuzzer is built from
# source). cargo-fuzz passes nightly-only flags (-Zsanitizer=address); the stable toolchain
# accepts them with RUSTC_BOOTSTRAP=1, so no nightly toolchain is needed.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
RUNS=${RUNS:-1000000}
TARGETS=("$@")
if [ "${#TARGETS[@]}" -eq 0 ]; then
  TARGETS=(input_decoder manifest preference webvtt srt config theme)
fi
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
mkdir -p logs
for target in "${TARGETS[@]}"; do
  echo "== $target: $RUNS executions"
  # -a: debug assertions and overflow checks on; -O: optimised.
  cargo fuzz run -a -O "$target" -- -runs="$RUNS" -print_final_stats=1 >"logs/$target.log" 2>&1 || {
    tail -n 40 "logs/$target.log"
    echo "!! $target failed: see fuzz/logs/$target.log and fuzz/artifacts/$target/"
    exit 1
  }
  grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "logs/$target.log" | tail -n 2
  # Smallest set of inputs that still reaches every edge reached (counters ignored).
  cargo fuzz cmin -a -O "$target" -- -set_cover_merge=1 -use_counters=0 >>"logs/$target.log" 2>&1
  echo "   corpus: $(ls "corpus/$target" | wc -l) files, $(du -sh "corpus/$target" | cut -f1)"
done
