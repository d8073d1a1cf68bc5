#!/usr/bin/env bash
# Starts PostgreSQL and Redis on this machine if they are not answering. Used by `npm run
# setup` and by CI; with docker-compose you would run `docker compose up -d` instead.
set -euo pipefail

if ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
  echo "Starting PostgreSQL…"
  version=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "${version:-15}" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -q || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }

if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  echo "Starting Redis…"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
redis-cli -h 127.0.0.1 ping >/dev/null || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
echo "PostgreSQL and Redis are up."
