#!/usr/bin/env bash
# smtp_receive.sh -- messages/s into the durable queue (and on to a Maildir) for mxkit beside a
# private Postfix (hold queue, fsync) in the same run, both modes of ../shared/bench/smtp_bench.sh
# (a new connection per message, and reused connections), then the ratio mxkit/Postfix.
#
# Usage: bench/smtp_receive.sh [-m MESSAGES] [-R ROUNDS] [-d]     (defaults 5000 and 1)
#   -d: delete the runs' files only after the last round (smtp_bench.sh -K). By default each run
#   deletes its files when it ends, and on ext4 without a journal (as on this machine) every file
#   the next run creates then walks past the inodes freed in the last 5 s, or 300 s while their
#   inode table block is dirty, one by one: whichever server runs next pays for the other's
#   deletions (0.2-0.7 ms per file here). Give both figures.
# Needs a release build (build/release/mxkit) and Postfix installed (../shared/bench/install_deps.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
bench=${SMTP_BENCH:-$repo/../shared/bench/smtp_bench.sh}
messages=5000
rounds=1
keep=()
while getopts "m:R:d" opt; do
  case $opt in
    m) messages=$OPTARG ;;
    R) rounds=$OPTARG ;;
    d) keep=(-K) ;;
    *) echo "usage: $0 [-m MESSAGES] [-R ROUNDS] [-d]" >&2; exit 2 ;;
  esac
done
mxkit=$repo/build/release/mxkit
[ -x "$mxkit" ] || { echo "no $mxkit: cmake --preset release && cmake --build build/release --target mxkit" >&2; exit 1; }
out=$(mktemp)
kept=$(mktemp)
# -d: the scratch folders smtp_bench.sh kept ("scratch dir kept: DIR"), deleted at the end
trap 'sed -n "s/^scratch dir kept: //p" "$kept" | while read -r dir; do rm -rf "$dir"; done; rm -f "$out" "$kept"' EXIT
for _ in $(seq "$rounds"); do
  # Interleaved (Postfix, mxkit) so both see the same state of the shared machine.
  "$bench" "${keep[@]}" -m "$messages" -k both -o - postfix 2>&1 | tee -a "$kept" | grep 'msgs/s' | tee -a "$out"
  "$bench" "${keep[@]}" -m "$messages" -k both -o - custom -- "$mxkit" serve --smtp-listen '127.0.0.1:{PORT}' \
    --hostname mx.test --spool '{TMP}/spool' --local-domain example.test --mailbox '*@example.test' \
    --maildir-root '{TMP}/mail' 2>&1 | tee -a "$kept" | grep 'msgs/s' | tee -a "$out"
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
