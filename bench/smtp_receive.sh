#!/usr/bin/env bash
# smtp_receive.sh -- messages/s into the durable queue (and on to a Maildir) for mxkit beside a
# private Postfix (hold queue, fsync) in the same run, both modes of ../shared/bench/smtp_bench.sh
# (a new connection per message, and reused connections), then the ratio mxkit/Postfix.
#
# Usage: bench/smtp_receive.sh [-m MESSAGES] [-R ROUNDS]     (defaults 5000 and 1)
# Needs a release build (build/release/mxkit) and Postfix installed (../shared/bench/install_deps.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
bench=${SMTP_BENCH:-$repo/../shared/bench/smtp_bench.sh}
messages=5000
rounds=1
while getopts "m:R:" opt; do
  case $opt in
    m) messages=$OPTARG ;;
    R) rounds=$OPTARG ;;
    *) echo "usage: $0 [-m MESSAGES] [-R ROUNDS]" >&2; exit 2 ;;
  esac
done
mxkit=$repo/build/release/mxkit
[ -x "$mxkit" ] || { echo "no $mxkit: cmake --preset release && cmake --build build/release --target mxkit" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq "$rounds"); do
  # Interleaved (Postfix, mxkit) so both see the same state of the shared machine.
  "$bench" -m "$messages" -k both -o - postfix 2>&1 | grep 'msgs/s' | tee -a "$out"
  "$bench" -m "$messages" -k both -o - custom -- "$mxkit" serve --smtp-listen '127.0.0.1:{PORT}' \
    --hostname mx.test --spool '{TMP}/spool' --local-domain example.test --mailbox '*@example.test' \
    --maildir-root '{TMP}/mail' 2>&1 | grep 'msgs/s' | tee -a "$out"
done
/usr/bin/python3 - "$out" "$messages" <<'PY'
import re, statistics, sys
rates = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\w+) \[.*?\] smtp-source (\w+) .*?(\d+) msgs/s .*?server_cpu=([\d.]+)s", line)
    if m:
        rates.setdefault((m[1], m[2]), []).append((int(m[3]), float(m[4])))
messages = int(sys.argv[2])
print(f"{'mode':6} {'postfix msg/s':>14} {'mxkit msg/s':>12} {'ratio':>6} {'postfix CPU/msg':>16} {'mxkit CPU/msg':>14}")
for mode in ("conn", "reuse"):
    p = rates.get(("postfix", mode)); c = rates.get(("custom", mode))
    if not p or not c:
        continue
    pr = statistics.median(r for r, _ in p); cr = statistics.median(r for r, _ in c)
    pc = statistics.median(s for _, s in p) / messages * 1e3; cc = statistics.median(s for _, s in c) / messages * 1e3
    print(f"{mode:6} {pr:>14.0f} {cr:>12.0f} {cr / pr:>5.2f}x {pc:>13.2f} ms {cc:>11.2f} ms")
PY
