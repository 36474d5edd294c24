#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft: broker + controller in one JVM) for tests and
# development, without Docker. The broker jars come from Maven Central through Maven
# (deploy/local/kafka/pom.xml) into deploy/local/.cache/kafka-<version>/libs once; the log dirs,
# config, pid and logs live under deploy/local/.run/kafka/.
#
#   kafka.sh up       fetch (first time), format (first time), start, wait until it answers
#   kafka.sh down     SIGTERM, then SIGKILL after KAFKA_STOP_TIMEOUT seconds
#   kafka.sh status   exit 0 when up, 3 when down
#   kafka.sh clean    down, then delete the broker's data (topics, groups, offsets)
#
# Environment: KAFKA_PORT (client listener, default 19092), KAFKA_CONTROLLER_PORT (default
# KAFKA_PORT+1), KAFKA_RUN_DIR (log dirs, config, pid and logs; default deploy/local/.run/kafka),
# KAFKA_VERSION (default 3.9.1), KAFKA_HEAP_OPTS, KAFKA_START_TIMEOUT (s, default 90),
# KAFKA_STOP_TIMEOUT (s, default 30). Clients connect to KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT.
# A second, separate broker (e.g. one a test stops and starts) is the same script with its own
# KAFKA_PORT, KAFKA_CONTROLLER_PORT and KAFKA_RUN_DIR; the jars are shared.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

version="${KAFKA_VERSION:-3.9.1}"
port="$kafka_port"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
heap_opts="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
start_timeout="${KAFKA_START_TIMEOUT:-90}"
stop_timeout="${KAFKA_STOP_TIMEOUT:-30}"

libs="$here/.cache/kafka-$version/libs"
run_dir="$here/.run/kafka"
# An absolute path: the broker's config names its log dir, and running_pid matches the command line.
[[ -n "${KAFKA_RUN_DIR:-}" ]] && run_dir="$(realpath -m "$KAFKA_RUN_DIR")"
data_dir="$run_dir/data"
logs_dir="$run_dir/logs"
config="$run_dir/server.properties"
pid_file="$run_dir/kafka.pid"
out_file="$logs_dir/kafka.out"

log() { echo "infra: kafka: $*"; }
fail() {
  echo "infra: kafka: $*" >&2
  exit 1
}

# The pid of the broker this script started, when it is still that broker (not a recycled pid).
running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid
  pid=$(cat "$pid_file")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $config" || return 1
  echo "$pid"
}

# A Kafka request (DescribeCluster) answered, not just an open port.
answers() { node "$here/kafka/ready.mjs" "$kafka_host:$port" "${1:-5000}" 2>/dev/null; }

fetch_libs() {
  [[ -f "$libs/.complete" ]] && return 0
  command -v mvn >/dev/null 2>&1 || fail "Maven (mvn) is needed once to fetch the Kafka $version jars"
  log "fetching Apache Kafka $version and its runtime dependencies from Maven Central"
  rm -rf "$libs.partial"
  mkdir -p "$(dirname "$libs")"
  local mvn_log
  mvn_log="$(dirname "$libs")/mvn.log"
  mvn -B -Dstyle.color=never -f "$here/kafka/pom.xml" "-Dkafka.version=$version" dependency:copy-dependencies \
    -DincludeScope=runtime "-DoutputDirectory=$libs.partial" >"$mvn_log" 2>&1 || {
    tail -n 30 "$mvn_log" >&2
    fail "mvn dependency:copy-dependencies failed (is Maven Central reachable?); full output in $mvn_log"
  }
  rm -rf "$libs"
  mv "$libs.partial" "$libs"
  touch "$libs/.complete"
}

write_config() {
  mkdir -p "$data_dir" "$logs_dir"
  cat >"$config" <<EOF
# Written by deploy/local/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$kafka_host:$controller_port
listeners=PLAINTEXT://$kafka_host:$port,CONTROLLER://$kafka_host:$controller_port
advertised.listeners=PLAINTEXT://$kafka_host:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$data_dir
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
log.retention.hours=24
log.cleaner.threads=1
EOF
}

# The java command line of a Kafka main class, as bin/kafka-run-class.sh builds it: the jars on the
# classpath, log4j pointed at our config and log dir.
java_args() {
  local heap=$1 main=$2
  shift 2
  # shellcheck disable=SC2206 # the heap options are a list of JVM flags
  args=(java $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$here/kafka/log4j.properties" "-Dkafka.logs.dir=$logs_dir"
    -cp "$libs/*" "$main" "$@")
}

format_once() {
  [[ -f "$data_dir/meta.properties" ]] && return 0
  log "formatting a new KRaft log dir in $data_dir"
  local args cluster_id
  java_args -Xmx256m kafka.tools.StorageTool random-uuid
  cluster_id=$("${args[@]}")
  java_args -Xmx256m kafka.tools.StorageTool format -t "$cluster_id" -c "$config"
  "${args[@]}" >"$logs_dir/format.out" 2>&1 || {
    cat "$logs_dir/format.out" >&2
    fail "formatting the log dir failed"
  }
}

show_logs() {
  echo "infra: kafka: logs are in $logs_dir (kafka.out: the JVM's output; server.log: the broker's); last lines:" >&2
  tail -n 15 "$out_file" 1>&2 2>/dev/null || true
  tail -n 30 "$logs_dir/server.log" 1>&2 2>/dev/null || true
}

up() {
  mkdir -p "$run_dir"
  exec 9>"$run_dir/.lock"
  flock -w "$start_timeout" 9 || fail "another kafka.sh is starting the broker"
  local started=$SECONDS pid
  if pid=$(running_pid); then
    grep -q "^listeners=PLAINTEXT://$kafka_host:$port," "$config" ||
      fail "the broker started by this script (pid $pid) listens on another port than $port; run '$0 down' first"
    if answers; then
      log "already up on $kafka_host:$port"
      return 0
    fi
    log "pid $pid is starting; waiting for it"
  else
    if port_open "$kafka_host" "$port"; then
      if answers; then
        log "a Kafka broker not started by this script answers on $kafka_host:$port; using it"
        return 0
      fi
      fail "port $port is taken by something that is not Kafka; set KAFKA_PORT"
    fi
    command -v java >/dev/null 2>&1 || fail "java is needed (Kafka $version runs on Java 11+)"
    fetch_libs
    write_config
    format_once
    rm -f "$pid_file"
    : >"$out_file"
    # setsid: the broker outlives this shell and its process group. The child writes its own pid
    # and then execs java, so the pid file names the JVM. fd 9 (the lock) is not inherited.
    local args
    java_args "$heap_opts" kafka.Kafka "$config"
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pid_file" "${args[@]}" >>"$out_file" 2>&1 </dev/null 9>&- &
  fi
  local deadline=$((SECONDS + start_timeout))
  while ((SECONDS < deadline)); do
    if [[ -s "$pid_file" ]] && ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      show_logs
      fail "the broker exited during start"
    fi
    if port_open "$kafka_host" "$port" && answers 3000; then
      log "up on $kafka_host:$port (pid $(running_pid), $((SECONDS - started))s); KAFKA_BROKERS=$kafka_host:$port"
      return 0
    fi
    sleep 0.3
  done
  show_logs
  fail "not answering on $kafka_host:$port after ${start_timeout}s"
}

down() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$pid_file"
    log "not running (nothing started by this script)"
    return 0
  fi
  log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + stop_timeout))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after ${stop_timeout}s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
  log "stopped"
}

status() {
  local pid
  if pid=$(running_pid) && answers; then
    log "up on $kafka_host:$port (pid $pid); logs in $logs_dir"
    return 0
  fi
  if port_open "$kafka_host" "$port" && answers; then
    log "a broker not started by this script answers on $kafka_host:$port"
    return 0
  fi
  if [[ -n "${pid:-}" ]]; then
    log "pid $pid is running but does not answer yet on $kafka_host:$port"
  else
    log "down"
  fi
  return 3
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  clean)
    down
    rm -rf "$run_dir"
    log "deleted $run_dir"
    ;;
  *)
    echo "usage: $0 up|down|status|clean" >&2
    exit 2
    ;;
esac
