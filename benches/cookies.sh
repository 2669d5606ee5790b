#!/usr/bin/env bash
# Cookie-heavy login benchmark: wall time and peak memory (max RSS) of a
# whole run against a reference server whose every login also sets many
# large cookies (a single sign-on stack's), next to the same run without
# them. Every cookie value is a secret the output gate must keep out of
# every output, so this measures what registering and searching them costs.
# Prints medians over N runs (default 10) and the ratios.
#
#   benches/cookies.sh                  # 90 cookies of 4096 bytes, N=10
#   COOKIES=30:4096 N=20 benches/cookies.sh
#
# Needs GNU time (/usr/bin/time) for the peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10}
COOKIES=${COOKIES:-90:4096}
cargo build --release --locked --quiet --bin icws-conformance --bin icws-refserver
BIN=target/release/icws-conformance
SERVER=target/release/icws-refserver
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# start NAME PORT ARGS...: a reference server on 127.0.0.1:PORT.
start() {
  local port=$2; shift 2
  "$SERVER" --listen "127.0.0.1:$port" --password bench-pw "$@" >"$tmp/server-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do
    grep -q "listening" "$tmp/server-$port.log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "the reference server on port $port did not start" >&2
  cat "$tmp/server-$port.log" >&2
  exit 1
}
PLAIN=18481
HEAVY=18482
start plain $PLAIN
start heavy $HEAVY --login-cookies "$COOKIES"

# measure NAME PORT: appends "wall_ms rss_kb" per run to $tmp/NAME.
measure() {
  local name=$1 port=$2
  local t0 t1 code
  t0=$(date +%s%N)
  code=0
  ICWS_BASE_URL="http://127.0.0.1:$port" ICWS_USER=agent1 ICWS_PASSWORD=bench-pw \
    /usr/bin/time -f "%M" -o "$tmp/rss" "$BIN" -q >"$tmp/out" 2>&1 || code=$?
  t1=$(date +%s%N)
  if [ "$code" != 0 ]; then
    echo "run against $name failed (exit $code):" >&2
    tail -20 "$tmp/out" >&2
    exit 1
  fi
  echo "$(( (t1 - t0) / 1000 )) $(tail -1 "$tmp/rss")" >>"$tmp/$name"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Alternate the two, so that drift on a shared machine hits both alike.
measure plain $PLAIN
for _ in $(seq "$N"); do
  measure plain $PLAIN
  measure heavy $HEAVY
done
read -r p_us < <(cut -d' ' -f1 "$tmp/plain" | median)
read -r p_kb < <(cut -d' ' -f2 "$tmp/plain" | median)
read -r h_us < <(cut -d' ' -f1 "$tmp/heavy" | median)
read -r h_kb < <(cut -d' ' -f2 "$tmp/heavy" | median)
awk -v n="$N" -v c="$COOKIES" -v pu="$p_us" -v pk="$p_kb" -v hu="$h_us" -v hk="$h_kb" 'BEGIN {
  printf "whole run, median of %d alternating runs (wall ms, peak RSS MB)\n", n
  printf "  no extra cookies          %8.1f ms  %6.1f MB\n", pu/1000, pk/1024
  printf "  %-12s per login    %8.1f ms  %6.1f MB\n", c, hu/1000, hk/1024
  printf "  ratio                     %8.2fx    %6.2fx\n", hu/pu, hk/pk
}'
echo "machine: $(nproc) cores, $(uname -sm), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
