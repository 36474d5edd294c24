#!/usr/bin/env bash
# Bring up what the tests and the distributed mode need on a machine without Docker:
# PostgreSQL and Redis (use the running ones; start them when down) and a single-node Kafka
# (KRaft, from the Apache jars on Maven Central; see kafka.sh). Idempotent: fast when all are up.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

ensure_postgres
ensure_redis
bash "$here/kafka.sh" up
echo "infra: postgres ${PGHOST:-127.0.0.1}:${PGPORT:-5432}, redis ${REDIS_HOST:-127.0.0.1}:${REDIS_PORT:-6379}" \
  "and kafka $kafka_host:$kafka_port (KAFKA_BROKERS) are up"
