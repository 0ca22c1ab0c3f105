#!/usr/bin/env bash
# Reproduces the SSH figures of docs/PERFORMANCE.md on a quiet machine:
#  1. cloister vs OpenSSH's sshd serving vim, same client and typing pattern (`--mode type`), at
#     1, 50, 200 and 500 sessions: latency p50/p99, bytes per typed key, memory per session, ratios;
#  2. slow readers: 200 typing sessions next to 20 busy sessions that read (control) or never read;
#  3. next-item (PgDn) and queue (j, 20 sessions) latency and memory in a project of 100 000 items.
# Prints Markdown tables; raw JSON lines go to $OUT (default bench-side-by-side.jsonl).
#
#   scripts/bench_side_by_side.sh                      # everything (~15 min)
#   SESSIONS="1 50" PARTS="table" scripts/bench_side_by_side.sh
#
# Needs: openssh-server and vim (apt-get install -y openssh-server vim); runs sshd as the
# current user on a loopback port with its own config, host key and authorized_keys.
set -euo pipefail
cd "$(dirname "$0")/.."
SESSIONS=${SESSIONS:-"1 50 200 500"}
RATE=${RATE:-5}
SECS=${SECS:-10}
AUDIT=${AUDIT:-full}
PARTS=${PARTS:-"table slow next"}
OUT=${OUT:-bench-side-by-side.jsonl}
if [ ! -x /usr/sbin/sshd ] || ! command -v vim >/dev/null; then
  echo "needs /usr/sbin/sshd and vim: apt-get install -y openssh-server vim" >&2
  exit 1
fi
cargo build --release --locked
BIN=${CARGO_TARGET_DIR:-target}/release/cloister
: >"$OUT"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# The JSON report is the line starting with `{` (the demo set-up prints its own lines first).
# run SECONDS ARGS…; one session types for 6× longer so that its p99 is not just its maximum.
run() {
  local secs=$1
  shift
  "$BIN" loadtest --json --rate "$RATE" --seconds "$secs" --audit-sync "$AUDIT" "$@" | grep '^{' | tee -a "$OUT"
  sleep 3
}

for part in $PARTS; do
  case $part in
  table)
    for n in $SESSIONS; do
      secs=$SECS
      [ "$n" -eq 1 ] && secs=$((SECS * 6))
      run "$secs" --target cloister --mode type --sessions "$n"
      run "$secs" --target sshd-vim --mode type --sessions "$n"
    done ;;
  slow)
    # 20 extra sessions redraw 50 times a second: reading (control), then never reading.
    for round in 1 2; do
      run $((SECS * 3)) --target cloister --mode type --sessions 200 --stalled-readers 20 --readers-read
      run $((SECS * 3)) --target cloister --mode type --sessions 200 --stalled-readers 20
    done ;;
  next)
    run $((SECS * 3)) --target cloister --mode next-item --sessions 1 --items 100000
    run "$SECS" --target cloister --mode queue --sessions 20 --items 100000 ;;
  esac
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$OUT" "$AUDIT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
audit = sys.argv[2]
def ratio(a, b):
    return f"{a / b:.2f}×" if b else "—"
table = {}
for r in rows:
    if r["mode"] == "type" and r["stalled_readers"] == 0:
        # The first run of each size is the side-by-side one; later ones belong to `slow`.
        table.setdefault(r["sessions"], {}).setdefault(r["target"], r)
if any(len(v) == 2 for v in table.values()):
    print(f"\n### cloister vs OpenSSH sshd + vim (typing, audit.synchronous = {audit})\n")
    print("Each cell: cloister / sshd+vim (ratio cloister ÷ sshd+vim).\n")
    print("| sessions | latency p50 | latency p99 | bytes per typed key | memory per session (PSS) | memory per session (RSS) |")
    print("|---:|---:|---:|---:|---:|---:|")
    def cell(c, s, key, fmt, unit):
        return f"{fmt.format(c[key])} / {fmt.format(s[key])}{unit} ({ratio(c[key], s[key])})"
    for n in sorted(table):
        c, s = table[n].get("cloister"), table[n].get("sshd-vim")
        if not (c and s):
            continue
        print(f"| {n} | {cell(c, s, 'p50_ms', '{:.2f}', ' ms')} | {cell(c, s, 'p99_ms', '{:.2f}', ' ms')} "
              f"| {cell(c, s, 'bytes_per_key', '{:.0f}', '')} | {cell(c, s, 'pss_per_session_kib', '{:.0f}', ' KiB')} "
              f"| {cell(c, s, 'rss_per_session_kib', '{:.0f}', ' KiB')} |")
slow = [r for r in rows if r["mode"] == "type" and r["stalled_readers"] > 0]
if slow:
    print("\n### Slow readers (cloister, 200 typing sessions measured, plus 20 sessions sending 50 screen-changing keys a second)\n")
    print("| the 20 extra sessions | seconds | keys measured | p50 | p99 | max | server RSS growth while typing (peak) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in slow:
        what = "read their output (control)" if r.get("readers_read") else "never read (stalled)"
        print(f"| {what} | {r['seconds']} | {r['keys']} | {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['max_ms']:.2f} ms | {r['rss_peak_growth_kib']} KiB |")
for r in rows:
    if r["mode"] in ("next-item", "queue"):
        what = "PgDn to the next item" if r["mode"] == "next-item" else "j down the home screen's queue"
        print(f"\n{what}, project of 100 000 items: p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, max {r['max_ms']:.2f} ms over {r['keys']} keys, {r['bytes_per_key']:.0f} bytes per key, memory per session at home {r['pss_per_session_kib']:.0f} KiB PSS ({r['sessions']} sessions)")
PY
