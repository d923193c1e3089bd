#!/usr/bin/env bash
# Zone loading benchmark: mxkit beside kzonecheck (Knot), nsd-checkzone (NSD) and named-checkzone
# (BIND) on the same generated zone, rounds interleaved. A thin wrapper: it builds the release
# preset, installs the peers when they are missing, and runs the shared script
# ../shared/bench/zone_parse.sh (outside the repo; never copied here). Run from anywhere, as root.
#
#   bench/zone_parse.sh [-n NAMES] [-R ROUNDS] [--dry-run] [-- MORE zone_parse.sh OPTIONS]
#     -n NAMES   names in the generated zone, 5 records each (default 200000: 1,000,008 records)
#     -R ROUNDS  rounds, each tool once a round (default 3)
#     --dry-run  print the command instead of running it (no build, no install)
#   MXKIT_SHARED_DIR   where shared/ is (default: ../shared beside the repo)
#   BENCH_DIR          where the zone and the results go (default /tmp/mxkit-bench)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared_bench="$(realpath -m "${MXKIT_SHARED_DIR:-$repo_root/../shared}/bench")"
names=200000 rounds=3 dry_run=0
extra=()
while (($#)); do
  case "$1" in
    -n) names="${2:?-n needs a number}"; shift 2 ;;
    -R) rounds="${2:?-R needs a number}"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "zone_parse.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$names" =~ ^[0-9]+$ && "$rounds" =~ ^[0-9]+$ ]] || { echo "zone_parse.sh: -n and -R take numbers" >&2; exit 2; }
[[ -x "$shared_bench/zone_parse.sh" ]] || { echo "zone_parse.sh: no $shared_bench/zone_parse.sh" >&2; exit 1; }

# {ORIGIN} and {ZONE} are filled in by the shared script.
command=("$shared_bench/zone_parse.sh" -n "$names" -R "$rounds" -L cmp "${extra[@]}"
  knot nsd bind custom -- "$repo_root/build/release/mxkit" zone check --origin '{ORIGIN}' '{ZONE}')
results="${BENCH_DIR:-/tmp/mxkit-bench}/results/zone_parse.csv"
for i in "${!extra[@]}"; do  # the shared script's own -r FILE wins ("-": nowhere)
  [[ "${extra[$i]}" == -r ]] && results="${extra[$((i + 1))]:-$results}"
done

if ((dry_run)); then
  printf '%q ' "${command[@]}"
  printf '\nresults would be appended to %s\n' "$results"
  exit 0
fi

"$repo_root/scripts/bootstrap" release
if ! command -v kzonecheck >/dev/null || ! command -v nsd-checkzone >/dev/null ||
  ! command -v named-checkzone >/dev/null; then
  echo "zone_parse.sh: installing the peers with $shared_bench/install_deps.sh"
  "$shared_bench/install_deps.sh"
fi
echo "zone_parse.sh: results are appended to $results (zone in ${BENCH_DIR:-/tmp/mxkit-bench}/data/)"
"${command[@]}"
echo "zone_parse.sh: results in $results; medians: /usr/bin/python3 $shared_bench/summarize.py"
