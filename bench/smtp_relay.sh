#!/usr/bin/env bash
# smtp_relay.sh -- mxkit's relay throughput beside Postfix's in one run (issue 9): receive,
# fsync into the spool, deliver over SMTP to an smtp-sink, remove from the spool. Wraps
# ../shared/bench/smtp_bench.sh; prints both rates and their ratio.
#   bench/smtp_relay.sh [-m MSGS] [-k conn|reuse|both] [extra smtp_bench.sh options]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bench=${SMTP_BENCH:-$here/../shared/bench/smtp_bench.sh}
mxkit=${MXKIT_BIN:-$here/build/release/mxkit}
msgs=5000
mode=both
extra=()
while getopts "m:k:p:P:s:" opt; do
  case $opt in
    m) msgs=$OPTARG ;;
    k) mode=$OPTARG ;;
    *) extra+=("-$opt" "$OPTARG") ;;
  esac
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
csv=$out/relay.csv
"$bench" -m "$msgs" -k "$mode" -o "$csv" -L postfix-relay "${extra[@]}" postfix-relay | tee "$out/postfix.txt"
"$bench" -m "$msgs" -k "$mode" -o "$csv" -L mxkit-relay "${extra[@]}" custom-relay -- \
  "$mxkit" serve --smtp-listen "127.0.0.1:{PORT}" --hostname mx.test --spool "{TMP}/spool" \
  --local-domain local.test --maildir-root "{TMP}/mail" --no-sender-check --resolver 127.0.0.1:9 \
  --route "{DOMAIN}=127.0.0.1:{SINKPORT}" | tee "$out/mxkit.txt"
echo
echo "relay msgs/s (mxkit / postfix):"
/usr/bin/python3 - "$csv" <<'PY'
import csv, sys
# smtp_bench.sh rows: date,label,mode,version,kind,sessions,msgs,len,rcpts,rc,wall,msgs/s,MiB/s,
# queued,cpu,delivered,relay_wall,relay_msgs_per_s,sink_cpu
rate = {}
for row in csv.reader(open(sys.argv[1])):
    if len(row) < 18 or row[0] == "date":
        continue
    try:
        rate[(row[1], row[4])] = float(row[17])
    except ValueError:
        pass
for kind in sorted({k for _, k in rate}):
    p, m = rate.get(("postfix-relay", kind)), rate.get(("mxkit-relay", kind))
    if p and m:
        print(f"  {kind:6} mxkit {m:8.1f}  postfix {p:8.1f}  ratio {m / p:.2f}x")
PY
