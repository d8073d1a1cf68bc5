#!/usr/bin/env bash
# What authenticating a request costs: GET /api/markets/:id (a cache hit, the cheapest route
# that reads data) anonymously and with an access token, against one or two builds of the API.
# Usage: bench/auth-overhead.sh <label>=<dir with dist/> ... (e.g. before=/tmp/old after=.)
# Each build gets its own database and Redis prefix; the rate limits are out of the way.
set -euo pipefail
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-10}
ROUNDS=${ROUNDS:-2}
PORT=${PORT:-3900}
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
AUTOCANNON="$(cd "$(dirname "$0")/.." && pwd)/node_modules/.bin/autocannon"

# utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_one() { # label dir round
  local label=$1 dir=$2 db="market_authbench_${1}"
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
  (cd "$dir" && exec env NODE_ENV=development PORT=$PORT LOG_LEVEL=warn JWT_SECRET=$SECRET \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db REDIS_PREFIX=authbench_$label \
    RATE_LIMIT_READ=100000000 RATE_LIMIT_WRITE=100000000 RATE_LIMIT_AUTH=100000000 \
    node dist/src/main.js >/tmp/authbench-$label.log 2>&1) &
  local pid=$!
  for _ in $(seq 1 60); do curl -sf localhost:$PORT/api/health >/dev/null && break; sleep 0.5; done
  local reg token market
  reg=$(curl -sf localhost:$PORT/api/auth/register -H 'content-type: application/json' \
    -d "{\"email\":\"bench-$RANDOM@example.com\",\"password\":\"bench password 0123\",\"displayName\":\"B\"}")
  token=$(node -e 'console.log(JSON.parse(process.argv[1]).data.accessToken)' "$reg")
  market=$(curl -sf localhost:$PORT/api/markets -H 'content-type: application/json' \
    -H "authorization: Bearer $token" \
    -d "{\"name\":\"Bench auth overhead?\",\"closesAt\":\"$(date -u -d '+30 days' +%FT%TZ)\"}" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).data.id))')
  for mode in anonymous token; do
    local headers=()
    [ "$mode" = token ] && headers=(-H "authorization=Bearer $token")
    "$AUTOCANNON" -c "$CONNECTIONS" -d 2 "${headers[@]}" "localhost:$PORT/api/markets/$market" >/dev/null 2>&1
    local ticks_before ticks_after
    ticks_before=$(cpu_ticks "$pid")
    "$AUTOCANNON" -j -c "$CONNECTIONS" -d "$DURATION" "${headers[@]}" \
      "localhost:$PORT/api/markets/$market" 2>/dev/null >/tmp/authbench-result.json
    ticks_after=$(cpu_ticks "$pid")
    # CPU time of the API process per request: steadier than req/s on a shared machine.
    node -e 'const r=require("/tmp/authbench-result.json");const [l,m,n,t,hz]=process.argv.slice(1);
      console.log([l,m,n,r.requests.average,r.latency.p50,r.latency.p99,
      (1000*Number(t)/Number(hz)/r.requests.total).toFixed(3),r.non2xx].join("\t"))' \
      "$label" "$mode" "$3" "$((ticks_after - ticks_before))" "$(getconf CLK_TCK)"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
}

printf 'build\tcaller\tround\treq/s\tp50 ms\tp99 ms\tAPI CPU ms/req\tnon-2xx\n'
for round in $(seq 1 "$ROUNDS"); do
  for pair in "$@"; do run_one "${pair%%=*}" "${pair#*=}" "$round"; done
done
