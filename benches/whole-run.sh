#!/usr/bin/env bash
# Whole-run benchmark: wall time and peak memory (max RSS) of the shipped
# suite against the embedded reference server on loopback, next to the floor
# (benches/floor_client.rs: the same requests, bare reqwest, no checks, same
# embedded server). Prints medians over N runs (default 30) and the ratios.
#
#   benches/whole-run.sh            # N=30
#   N=100 benches/whole-run.sh
#
# Needs GNU time (/usr/bin/time) for the peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-30}
cargo build --release --locked --quiet --bin icws-conformance --example floor-client
SUITE=(target/release/icws-conformance -q)
FLOOR=(target/release/examples/floor-client)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure NAME CMD...: appends "wall_ms rss_kb" per run to $tmp/NAME
measure() {
  local name=$1; shift
  for _ in $(seq "$N"); do
    local t0 t1
    t0=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$tmp/rss" "$@" >/dev/null 2>&1 || { echo "run failed: $*" >&2; exit 1; }
    t1=$(date +%s%N)
    echo "$(( (t1 - t0) / 1000 )) $(cat "$tmp/rss")" >>"$tmp/$name"
  done
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Warm the page cache once, then interleave nothing: each side N runs.
"${SUITE[@]}" >/dev/null 2>&1
"${FLOOR[@]}" >/dev/null 2>&1
measure suite "${SUITE[@]}"
measure floor "${FLOOR[@]}"

report() {
  local name=$1
  local us kb
  us=$(cut -d' ' -f1 "$tmp/$name" | median)
  kb=$(cut -d' ' -f2 "$tmp/$name" | median)
  echo "$us $kb"
}
read -r s_us s_kb < <(report suite)
read -r f_us f_kb < <(report floor)
awk -v n="$N" -v su="$s_us" -v sk="$s_kb" -v fu="$f_us" -v fk="$f_kb" 'BEGIN {
  printf "whole run, median of %d (wall ms, peak RSS MB)\n", n
  printf "  icws-conformance  %8.1f ms  %6.1f MB\n", su/1000, sk/1024
  printf "  floor client      %8.1f ms  %6.1f MB\n", fu/1000, fk/1024
  printf "  ratio             %8.2fx    %6.2fx\n", su/fu, sk/fk
}'
echo "machine: $(nproc) cores, $(uname -sm), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
