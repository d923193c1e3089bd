#!/usr/bin/env bash
# smtp_receive_cpu.sh -- what bench/smtp_receive.sh cannot see: mxkit's CPU per message
# *including* the Maildir copies written after the run (the arrival log's), per thread, and
# peak RSS. One mxkit serve, one smtp-source run; the server's threads are sampled from
# /proc before, at the end of the run, and once every copy is in the Maildir, and so is the
# whole machine's busy time (it should be otherwise idle).
#
# Usage: bench/smtp_receive_cpu.sh [-k conn|reuse] [-m MESSAGES] [-s SESSIONS] [-- SERVE OPTIONS]
#   e.g. bench/smtp_receive_cpu.sh -k conn -m 8000 -- --arrival-backlog 0
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mxkit=${MXKIT:-$(dirname "$here")/build/release/mxkit}   # MXKIT: another build to compare
kind=conn messages=8000 sessions=10 port=2625
while getopts "k:m:s:" opt; do
  case $opt in
    k) kind=$OPTARG ;; m) messages=$OPTARG ;; s) sessions=$OPTARG ;;
    *) echo "usage: $0 [-k conn|reuse] [-m MESSAGES] [-s SESSIONS] [-- SERVE OPTIONS]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ -x "$mxkit" ] || { echo "no $mxkit" >&2; exit 1; }
work=$(mktemp -d)
"$mxkit" serve --smtp-listen "127.0.0.1:$port" --hostname mx.test --spool "$work/spool" \
  --local-domain example.test --mailbox '*@example.test' --maildir-root "$work/mail" "$@" \
  > "$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
/usr/bin/python3 "$(dirname "$here")/../shared/bench/benchutil.py" banner --port "$port" --timeout 30 >/dev/null
snap() { for t in /proc/$server/task/*; do echo "$(awk '{print $2, $14 + $15}' "$t/stat")"; done; }
snap > "$work/t0"
opt=(); [ "$kind" = reuse ] && opt=(-d)
# The machine's busy time too (/proc/stat: all but idle and iowait): it counts what the
# server's threads do not, the kernel's writeback workers and the client.
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
busy0=$(busy)
start=$(date +%s.%N)
/usr/sbin/smtp-source "${opt[@]}" -s "$sessions" -m "$messages" -l 4096 -M bench.client \
  -f sender@bench.client -t rcpt@example.test "127.0.0.1:$port"
end=$(date +%s.%N)
snap > "$work/t1"
for _ in $(seq 600); do   # at most 60 s for the copies written after the run
  [ "$(ls "$work/mail/example.test/rcpt/new" 2>/dev/null | wc -l)" -ge "$messages" ] && break
  sleep 0.1
done
snap > "$work/t2"
busy1=$(busy)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
/usr/bin/python3 - "$work" "$messages" "$start" "$end" "$hwm" "$kind" "$((busy1 - busy0))" <<'PY'
import sys
work, n, start, end, hwm, kind = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
machine = int(sys.argv[7]) * 10 / n
def read(name):
    out = {}
    for line in open(f"{work}/{name}"):
        comm, ticks = line.rsplit(None, 1)
        out.setdefault(comm.strip("()"), 0)
        out[comm.strip("()")] += int(ticks)
    return out
t0, t1, t2 = read("t0"), read("t1"), read("t2")
ms = lambda a, b, k: (b.get(k, 0) - a.get(k, 0)) * 10 / n   # clock ticks of 10 ms
during = {k: ms(t0, t1, k) for k in t1}
total = sum(ms(t0, t2, k) for k in t2)
print(f"{kind}: {n / (end - start):.0f} msg/s; CPU ms/msg during the run: " +
      ", ".join(f"{k} {v:.3f}" for k, v in sorted(during.items(), key=lambda kv: -kv[1]) if v > 0) +
      f"; in all, copies included: {total:.3f}; the whole machine (client, kernel workers): "
      f"{machine:.3f}; peak RSS {int(hwm) // 1024} MB")
PY
