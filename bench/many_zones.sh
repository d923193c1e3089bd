#!/usr/bin/env bash
# Hosting-scale benchmark (issue 11): start-up time and peak memory of mxkit, NSD and Knot
# serving N small zones (ten records each), in the same run, rounds interleaved. For each count
# it generates the zones once (under $BENCH_DIR/many-zones-N), starts each server on loopback,
# times from its start to the first authoritative answer for the last zone (and checks the
# first), sums VmHWM over the server and its children, stops it by its PID, and prints a
# Markdown table of medians with ratios to NSD. Run as root (NSD keeps its user).
#
#   bench/many_zones.sh [-R ROUNDS] [-p PORT] [-s mxkit,nsd,knot] [N ...]   (default N: 1000 10000)
#     -R ROUNDS  rounds, each server once a round (default 3)
#     -p PORT    UDP/TCP port on 127.0.0.1 (default 5391)
#     -s LIST    servers, comma-separated (default mxkit,nsd,knot)
#   BENCH_DIR    where zones and logs go (default /tmp/mxkit-bench)
#   MXKIT        the binary (default build/release/mxkit, built when missing)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds=3 port=5391 servers=mxkit,nsd,knot
counts=()
while (($#)); do
  case "$1" in
    -R) rounds="${2:?-R needs a number}"; shift 2 ;;
    -p) port="${2:?-p needs a port}"; shift 2 ;;
    -s) servers="${2:?-s needs a list}"; shift 2 ;;
    -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *[!0-9]*) echo "many_zones.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    *) counts+=("$1"); shift ;;
  esac
done
((${#counts[@]})) || counts=(1000 10000)
mxkit="${MXKIT:-$repo_root/build/release/mxkit}"
if [[ ! -x "$mxkit" ]]; then
  (cd "$repo_root" && cmake --preset release >/dev/null && cmake --build build/release -j2 --target mxkit)
fi
for tool in nsd knotd; do
  [[ ",$servers," == *",${tool%d},"* || ",$servers," == *",$tool,"* ]] || continue
  command -v "$tool" >/dev/null || { echo "many_zones.sh: $tool is not installed (apt-get install nsd knot)" >&2; exit 1; }
done
exec /usr/bin/python3 "$repo_root/bench/many_zones.py" "${counts[@]}" --mxkit "$mxkit" \
  --servers "$servers" --rounds "$rounds" --port "$port"
