#!/usr/bin/env bash
# Smoke run of the API on another Node.js: `npm run smoke:node -- [version]` (default 26, the
# current LTS). Installs that Node from the npm registry (the `node` package, whose install
# step fetches the platform binary) into a temporary directory, builds with the project's
# TypeScript, then starts dist/src/main.js on it against the local PostgreSQL and Redis:
# health must answer 200 and SIGTERM must stop it with exit code 0.
set -euo pipefail

version="${1:-26}"
port="${SMOKE_PORT:-3999}"
dir="$(mktemp -d)"
database="market_smoke_$$"
cleanup() {
  [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null || true
  rm -rf "$dir"
  psql "${SMOKE_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}/postgres" -qc \
    "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "installing node@$version from the npm registry…"
(cd "$dir" && echo '{"private":true}' >package.json &&
  npm install --no-save --no-audit --no-fund --loglevel=error "node@$version" >/dev/null)
node_bin="$dir/node_modules/node/bin/node"
echo "using $("$node_bin" --version)"

npm run build >/dev/null

DATABASE_URL="${SMOKE_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}/$database" \
  PORT="$port" LOG_LEVEL=warn JWT_SECRET="smoke-secret-$(date +%s)-0123456789abcdef" \
  "$node_bin" dist/src/main.js &
pid=$!

for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; then break; fi
  kill -0 "$pid" 2>/dev/null || { echo "the API exited during start-up" >&2; exit 1; }
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/api/health/ready" >/dev/null
echo "health and readiness: 200"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[[ "$status" == 0 ]] || { echo "exit code $status after SIGTERM" >&2; exit 1; }
echo "node $version: started, answered, stopped on SIGTERM with exit code 0"
