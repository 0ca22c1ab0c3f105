#!/usr/bin/env bash
# Reproduces the SSH figures of docs/PERFORMANCE.md on a quiet machine:
#  1. cloister vs OpenSSH's sshd serving vim, same client and typing pattern (`--mode type`), at
#     1, 50, 200 and 500 sessions: latency p50/p99, bytes per typed key, memory per session, ratios;
#  2. slow readers: 200 typing sessions with 0 and with 20 sessions that never read;
#  3. next-item latency in a project of 100 000 items.
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
run() { "$BIN" loadtest --json --rate "$RATE" --seconds "$SECS" --audit-sync "$AUDIT" "$@" | tee -a "$OUT"; sleep 3; }

for part in $PARTS; do
  case $part in
  table)
    for n in $SESSIONS; do
      run --target cloister --mode type --sessions "$n"
      run --target sshd-vim --mode type --sessions "$n"
    done ;;
  slow)
    run --target cloister --mode type --sessions 200 --stalled-readers 0
    run --target cloister --mode type --sessions 200 --stalled-readers 20 ;;
  next)
    run --target cloister --mode next-item --sessions 1 --items 100000 ;;
  esac
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$OUT" "$AUDIT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
audit = sys.argv[2]
def ratio(a, b):
    return f"{a / b:.2f}×" if b else "—"
table = {}
for r in rows:
    if r["mode"] == "type" and r["stalled_readers"] == 0:
        table.setdefault(r["sessions"], {})[r["target"]] = r
if any(len(v) == 2 for v in table.values()):
    print(f"\n### cloister vs OpenSSH sshd + vim (typing, audit.synchronous = {audit})\n")
    print("| sessions | cloister p50 / p99 | sshd+vim p50 / p99 | p99 ratio | bytes/key cloister / sshd+vim (ratio) | memory per session (PSS) cloister / sshd+vim (ratio) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in sorted(table):
        c, s = table[n].get("cloister"), table[n].get("sshd-vim")
        if not (c and s):
            continue
        print(f"| {n} | {c['p50_ms']:.2f} / {c['p99_ms']:.2f} ms | {s['p50_ms']:.2f} / {s['p99_ms']:.2f} ms | {ratio(c['p99_ms'], s['p99_ms'])} "
              f"| {c['bytes_per_key']:.0f} / {s['bytes_per_key']:.0f} ({ratio(c['bytes_per_key'], s['bytes_per_key'])}) "
              f"| {c['pss_per_session_kib']:.0f} / {s['pss_per_session_kib']:.0f} KiB ({ratio(c['pss_per_session_kib'], s['pss_per_session_kib'])}) |")
slow = [r for r in rows if r["mode"] == "type" and r["target"] == "cloister" and r["sessions"] == 200]
if slow:
    print("\n### Slow readers (cloister, 200 typing sessions)\n")
    print("| stalled readers | p50 | p99 | max | server RSS peak growth while typing |")
    print("|---:|---:|---:|---:|---:|")
    for r in slow:
        print(f"| {r['stalled_readers']} | {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['max_ms']:.2f} ms | {r['rss_peak_growth_kib']} KiB |")
for r in rows:
    if r["mode"] == "next-item":
        print(f"\n### Next item (PgDn) in a project of 100 000 items: p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, max {r['max_ms']:.2f} ms over {r['keys']} keys, {r['bytes_per_key']:.0f} bytes per key")
PY
