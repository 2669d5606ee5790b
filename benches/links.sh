#!/usr/bin/env bash
# Link benchmark: the icons case (status-messages/icons) against a reference
# server whose catalogue has N_MESSAGES messages (default 6000), each with an
# icon of its own, next to the floor (benches/floor_links.rs: the same
# requests — login, catalogue, every distinct icon once with the cookie and
# Accept: image/*, 8 at once, the first 1 KiB of each — with a bare reqwest
# client, no checks, no reports). Wall time and peak memory (max RSS) of each
# process, medians over N runs (default 10), alternating; then, from N more
# runs with --report-json, the case's own duration and the peak memory with
# the report (every link listed).
#
#   benches/links.sh                     # 6000 messages, N=10
#   N_MESSAGES=20000 N=5 benches/links.sh
#
# Needs GNU time (/usr/bin/time) for the peak memory. Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10}
N_MESSAGES=${N_MESSAGES:-6000}
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release --locked --quiet --bin icws-conformance --bin icws-refserver --example floor-links
BIN=$TARGET/release/icws-conformance
SERVER=$TARGET/release/icws-refserver
FLOOR=$TARGET/release/examples/floor-links
tmp=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

PORT=${PORT:-18491}
"$SERVER" --listen "127.0.0.1:$PORT" --password bench-pw --catalogue-size "$N_MESSAGES" \
  >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  grep -q "listening" "$tmp/server.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "listening" "$tmp/server.log" || { cat "$tmp/server.log" >&2; exit 1; }
export ICWS_BASE_URL="http://127.0.0.1:$PORT" ICWS_USER=agent1 ICWS_PASSWORD=bench-pw
# Past the default per-run bound only when asked for more.
MAX_LINKS=$(( N_MESSAGES > 10000 ? N_MESSAGES : 10000 ))

# run NAME CMD...: appends "wall_us rss_kb" to $tmp/NAME.
run() {
  local name=$1; shift
  local t0 t1 code=0
  t0=$(date +%s%N)
  /usr/bin/time -f "%M" -o "$tmp/rss" "$@" >"$tmp/out" 2>&1 || code=$?
  t1=$(date +%s%N)
  if [ "$code" != 0 ]; then
    echo "$name failed (exit $code):" >&2
    tail -20 "$tmp/out" >&2
    exit 1
  fi
  echo "$(( (t1 - t0) / 1000 )) $(tail -1 "$tmp/rss")" >>"$tmp/$name"
}

SUITE=("$BIN" -q --exact status-messages/icons --max-links "$MAX_LINKS")
REPORTED=("${SUITE[@]}" --report-json "$tmp/report.json")

# Warm up once each, and check that both load every link.
"${REPORTED[@]}" >/dev/null 2>&1
python3 - "$tmp/report.json" "$N_MESSAGES" <<'PY'
import json, sys
case = json.load(open(sys.argv[1]))["cases"][0]
links = case.get("links", [])
assert case["status"] == "passed", case["status"]
assert len(links) == int(sys.argv[2]), len(links)
assert all(l["state"] == "loaded" for l in links)
PY
"$FLOOR" | grep -q "^$N_MESSAGES links loaded" || { echo "the floor did not load every link" >&2; exit 1; }

for _ in $(seq "$N"); do
  run suite "${SUITE[@]}"
  run floor "$FLOOR"
done
for _ in $(seq "$N"); do
  run reported "${REPORTED[@]}"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cases"][0]["durationMs"])' \
    "$tmp/report.json" >>"$tmp/case_ms"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
read -r s_us s_kb < <(echo "$(cut -d' ' -f1 "$tmp/suite" | median) $(cut -d' ' -f2 "$tmp/suite" | median)")
read -r f_us f_kb < <(echo "$(cut -d' ' -f1 "$tmp/floor" | median) $(cut -d' ' -f2 "$tmp/floor" | median)")
read -r r_us r_kb < <(echo "$(cut -d' ' -f1 "$tmp/reported" | median) $(cut -d' ' -f2 "$tmp/reported" | median)")
case_ms=$(median <"$tmp/case_ms")
awk -v n="$N" -v m="$N_MESSAGES" -v su="$s_us" -v sk="$s_kb" -v fu="$f_us" -v fk="$f_kb" \
    -v ru="$r_us" -v rk="$r_kb" -v cm="$case_ms" 'BEGIN {
  printf "icon links: %d messages, %d distinct icons; median of %d alternating runs (wall ms, peak RSS MB)\n", m, m, n
  printf "  icws-conformance (icons case)  %8.1f ms  %6.1f MB\n", su/1000, sk/1024
  printf "  floor client                   %8.1f ms  %6.1f MB\n", fu/1000, fk/1024
  printf "  ratio                          %8.2fx    %6.2fx\n", su/fu, sk/fk
  printf "  with --report-json             %8.1f ms  %6.1f MB   (the case itself: %.1f ms)\n", ru/1000, rk/1024, cm
}'
echo "machine: $(nproc) cores, $(uname -sm), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
