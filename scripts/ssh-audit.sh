#!/usr/bin/env bash
# Audits cloister's SSH algorithms with ssh-audit (PyPI). Anyone can run it:
#   scripts/ssh-audit.sh            # default settings: expect only the curve25519 "no PQ" warnings
#   scripts/ssh-audit.sh --pq-only  # post_quantum_only = true: expect a clean report
# Exits non-zero if ssh-audit reports any failure, or any warning beyond the expected ones.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/ssh-audit-venv
[ -x "$venv/bin/ssh-audit" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q 'ssh-audit==3.9.0'; }
cargo build --release -q
data=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
./target/release/cloister init --data "$data" >/dev/null
if [ "${1:-}" = "--pq-only" ]; then
  printf '[server]\npost_quantum_only = true\n' > "$data/cloister.toml"
else
  printf '# defaults\n' > "$data/cloister.toml"
fi
port=$((20000 + RANDOM % 20000))
CLOISTER_LOG=warn ./target/release/cloister serve --data "$data" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
sleep 1
report=$("$venv/bin/ssh-audit" --no-colors -p "$port" 127.0.0.1 || true)
echo "$report"
fails=$(grep -c '(fail)' <<<"$report" || true)
warns=$(grep '(warn)' <<<"$report" | grep -v 'curve25519-sha256' || true)
echo "---"
echo "failures: $fails"
echo "warnings other than curve25519: ${warns:-none}"
[ "$fails" -eq 0 ] && [ -z "$warns" ]
