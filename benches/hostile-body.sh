#!/usr/bin/env bash
# Hostile-body benchmark: the catalogue case against a server whose 200 body
# is {"statusMessageList":[{},{},…]} with a million empty objects (3 MB, well
# under --max-body). Every element breaks 14 rules. Prints the median wall
# time and peak memory (max RSS) of the release binary over N runs (default
# 5), and the size of what it printed.
#
#   benches/hostile-body.sh
#   N=10 COUNT=2000000 benches/hostile-body.sh
#
# BIN=path runs another build (e.g. an older one) for comparison.
# Needs python3 (the hostile server) and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-5}
COUNT=${COUNT:-1000000}
cargo build --release --locked --quiet --bin icws-conformance
tmp=$(mktemp -d)
server_pid=
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT

cat >"$tmp/server.py" <<'PY'
import http.server, sys
count = int(sys.argv[1])
body = ('{"statusMessageList":[' + ','.join(['{}'] * count) + ']}').encode()
features = b'{"featureInfoList":[{"featureId":"status","version":1}]}'
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_GET(self):
        data = features if self.path.endswith('/features') else body
        self.send_response(200)
        self.send_header('Content-Type', 'application/vnd.inin.icws+json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$tmp/server.py" "$COUNT" >"$tmp/port" &
server_pid=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(head -1 "$tmp/port")

for _ in $(seq "$N"); do
  t0=$(date +%s%N)
  ICWS_BASE_URL="http://127.0.0.1:$port" ICWS_SESSION_ID=1 ICWS_CSRF_TOKEN=token-0123456789 \
    ICWS_COOKIE=icws_1=cookie-0123456789 \
    /usr/bin/time -f "%M" -o "$tmp/rss" "${BIN:-target/release/icws-conformance}" status-messages/catalog --exact \
    >"$tmp/out" 2>&1 || true
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 )) $(tail -1 "$tmp/rss") $(wc -c <"$tmp/out")" >>"$tmp/runs"
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "elements: $COUNT, runs: $N"
echo "median wall: $(cut -d' ' -f1 "$tmp/runs" | median) ms"
echo "median peak RSS: $(( $(cut -d' ' -f2 "$tmp/runs" | median) / 1024 )) MB"
echo "output: $(cut -d' ' -f3 "$tmp/runs" | median) bytes"
