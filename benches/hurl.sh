#!/usr/bin/env bash
# Whole run next to Hurl: wall time of the shipped suite against a
# reference server with a 20-message catalogue, next to Hurl running
# benches/hurl/status-messages.hurl (a login, the catalogue, three refused
# requests, the logout) against the same server. Runs alternate, so drift
# on a shared machine hits both alike; prints medians over N pairs
# (default 30), the ratio, and the requests and logins each side made.
#
#   benches/hurl.sh          # N=30
#   N=100 benches/hurl.sh
#
# Needs hurl on PATH (cargo install --locked hurl; it builds against
# libcurl and libxml2: Debian's libcurl4-openssl-dev, libxml2-dev and
# libclang-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-30}
if ! command -v hurl >/dev/null; then
  echo "hurl is not installed: cargo install --locked hurl (see the comment at the top)" >&2
  exit 2
fi
cargo build --release --locked --quiet --bin icws-conformance --bin icws-refserver
BIN=target/release/icws-conformance
SERVER=target/release/icws-refserver
PORT=${PORT:-18480}
tmp=$(mktemp -d)
"$SERVER" --listen "127.0.0.1:$PORT" --catalogue-size 20 --password bench-pw >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do
  grep -q listening "$tmp/server.log" && break
  sleep 0.1
done
BASE="http://127.0.0.1:$PORT"

suite() {
  ICWS_BASE_URL="$BASE" ICWS_USER=agent1 ICWS_PASSWORD=bench-pw "$BIN" -q >"$tmp/suite.out" 2>&1
}
floor() {
  hurl --test --variable "base=$BASE" --variable user=agent1 --variable password=bench-pw \
    benches/hurl/status-messages.hurl >"$tmp/hurl.out" 2>&1
}
# wall NAME FUNCTION: appends the run's wall time in µs to $tmp/NAME.
wall() {
  local t0 t1
  t0=$(date +%s%N)
  "$2" || { echo "$1 failed:" >&2; cat "$tmp/$1.out" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 )) >>"$tmp/$1"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Warm both once.
suite; floor
for _ in $(seq "$N"); do
  wall suite suite
  wall hurl floor
done
s_us=$(median <"$tmp/suite")
h_us=$(median <"$tmp/hurl")
traffic=$(grep -E "requests to the server" "$tmp/suite.out" | tail -1)
hurl_requests=$(grep -oE "Executed requests: +[0-9]+" "$tmp/hurl.out" | grep -oE "[0-9]+$")
awk -v n="$N" -v s="$s_us" -v h="$h_us" 'BEGIN {
  printf "whole run against a 20-message catalogue, median of %d alternating runs\n", n
  printf "  icws-conformance  %8.1f ms\n", s/1000
  printf "  hurl              %8.1f ms\n", h/1000
  printf "  ratio             %8.2fx\n", s/h
}'
echo "  icws-conformance: $traffic"
echo "  hurl: $hurl_requests requests to the server, 1 login"
echo "machine: $(nproc) cores, $(uname -sm), hurl $(hurl --version | head -1 | awk '{print $2}')"
