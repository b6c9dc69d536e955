#!/usr/bin/env bash
# make bench: the same load against this chat server and the two reference
# servers of ../shared/peers (floor: the machine's speed limit; seedhub: the
# article's gorilla hub), one after the other on the same machine, then the
# three side by side with ratios. Only same-run ratios mean anything.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CONNS=${CONNS:-10000}   # the seed's scale
N=${N:-50}              # sequential triggers
BURST=${BURST:-250}     # burst triggers ...
C=${C:-10}              # ... with this many in flight
OUT=${OUT:-$ROOT/bench-out}
PEERS=${PEERS:-$ROOT/../shared/peers}
ADDR=${ADDR:-127.0.0.1:8180}
mkdir -p "$OUT"

(cd "$PEERS/floor" && go build -o "$ROOT/bin/floor" .)
(cd "$PEERS/seedhub" && go build -o "$ROOT/bin/seedhub" .)

wait_port() {
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR#*:}") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listening on $ADDR" >&2
  return 1
}

# run NAME URL-SCHEME COMMAND...: the server, then the loads against it.
run() {
  local name=$1 scheme=$2; shift 2
  "$@" >"$OUT/$name.server.log" 2>&1 &
  local pid=$!
  wait_port
  echo "== $name ($CONNS clients, $scheme)" >&2
  ./bin/chat bench -url "$scheme://$ADDR/ws" -ca "$OUT/tls/cert.pem" -conns "$CONNS" -n "$N" -burst "$BURST" -c "$C" \
    -pid "$pid" -json -report "$OUT/$name.html" >"$OUT/$name.json" || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# The TLS row: the same server over wss://, with a certificate made for
# loopback (its own CA, which the clients trust).
go run ./internal/tools/devcert -dir "$OUT/tls"

rm -rf "$OUT/chat-data" "$OUT/chat-tls-data"
run chat ws ./bin/chat serve -addr "$ADDR" -data "$OUT/chat-data" -max-conns 19000
run chat-tls wss ./bin/chat serve -addr "$ADDR" -data "$OUT/chat-tls-data" -max-conns 19000 \
  -tls-cert "$OUT/tls/cert.pem" -tls-key "$OUT/tls/key.pem" -http-addr -
run floor ws ./bin/floor -addr "$ADDR"
run seedhub ws ./bin/seedhub -addr "$ADDR"

{
  echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(go version | cut -d' ' -f3), $CONNS clients, $N sequential triggers, $BURST burst triggers with $C in flight"
  echo
  ./bin/chat bench -compare "chat=$OUT/chat.json,floor=$OUT/floor.json,seedhub=$OUT/seedhub.json"
  echo
  echo "The same server over TLS (wss://) against plain TCP, same run:"
  echo
  ./bin/chat bench -compare "chat-tls=$OUT/chat-tls.json,chat=$OUT/chat.json"
} | tee "$OUT/table.md"
echo "reports: $OUT/{chat,chat-tls,floor,seedhub}.html" >&2
