#!/usr/bin/env bash
# Helpers shared by deploy/local scripts.

pg_host="${PGHOST:-127.0.0.1}"
pg_port="${PGPORT:-5432}"
redis_host="${REDIS_HOST:-127.0.0.1}"
redis_port="${REDIS_PORT:-6379}"

# Wait until a TCP port accepts connections (bash /dev/tcp; no extra tools needed).
wait_port() {
  local host=$1 port=$2 what=$3 seconds=${4:-60}
  for _ in $(seq 1 $((seconds * 5))); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "infra: $what did not open $host:$port within ${seconds}s" >&2
  return 1
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

ensure_postgres() {
  if port_open "$pg_host" "$pg_port"; then return 0; fi
  echo "infra: postgres is down; starting it"
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
  else
    echo "infra: no pg_ctlcluster; start PostgreSQL on $pg_host:$pg_port yourself" >&2
    return 1
  fi
  wait_port "$pg_host" "$pg_port" postgres 60
}

ensure_redis() {
  if port_open "$redis_host" "$redis_port"; then return 0; fi
  echo "infra: redis is down; starting it"
  if command -v redis-server >/dev/null 2>&1; then
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
  else
    echo "infra: no redis-server; start Redis on $redis_host:$redis_port yourself" >&2
    return 1
  fi
  wait_port "$redis_host" "$redis_port" redis 30
}

# Kafka (deploy/local/kafka.sh): clients read KAFKA_BROKERS, which defaults to this address.
kafka_host=127.0.0.1
kafka_port="${KAFKA_PORT:-19092}"
